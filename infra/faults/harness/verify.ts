import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  generationSchema,
  PROJECTION_NAMES,
  PUBLIC_TABLES,
  type ProjectionName,
} from '@allo-pipeline/read-models';
import { createTestDatabase, uniqueName } from '@allo-pipeline/testing';
import {
  appliedBy,
  ENTITY_KEYS,
  EVENT_STORES,
  expectedEntities,
  readRawWebhookIds,
  waitUntilProjected,
} from '../../test/pipeline-probes.js';
import { query } from '../../test/private-stack.js';
import { suiteStateDir, type FaultPipeline } from './fault-pipeline.js';

// What every scenario checks after its fault: each acknowledged event is in the raw log and in
// every read model that applies it exactly once, the rows equal a from-scratch rebuild (fresh
// projectors on a second database reading the raw topic from offset 0), and no log line holds a
// secret, a signature or a body. Each scenario appends its row to the suite's summary table.

export interface Tally {
  /** Acknowledged events (or their entities) missing somewhere they must be. */
  readonly lost: number;
  /** Rows beyond one per acknowledged event or entity. */
  readonly duplicated: number;
  /** Where, e.g. { 'raw log': {lost: 0, duplicated: 3}, 'calls events': {...} }. */
  readonly by: Record<string, { lost: number; duplicated: number; examples: string[] }>;
  readonly deadLetters: Record<ProjectionName, number>;
}

function compare(
  expected: ReadonlySet<string>,
  found: readonly string[],
): { lost: number; duplicated: number; examples: string[] } {
  const present = new Set(found);
  const missing = [...expected].filter((id) => !present.has(id));
  const counts = new Map<string, number>();
  for (const id of found) counts.set(id, (counts.get(id) ?? 0) + 1);
  // A row of an event or entity nobody acknowledged counts as duplicated too: it got in twice
  // (a refused delivery that was published anyway) or from nowhere.
  const extra = [...counts].filter(([id, n]) => n > 1 || !expected.has(id));
  return {
    lost: missing.length,
    duplicated: found.length - [...present].filter((id) => expected.has(id)).length,
    examples: [
      ...missing.slice(0, 3).map((id) => `missing ${id}`),
      ...extra.slice(0, 3).map(([id]) => `extra ${id}`),
    ],
  };
}

async function liveSchema(databaseUrl: string, projection: ProjectionName): Promise<string> {
  const [row] = await query<{ live_version: number }>(
    databaseUrl,
    'select live_version from read_model.projections where projection = $1',
    [projection],
  );
  return generationSchema(projection, row?.live_version ?? 0);
}

/**
 * Waits until the projectors are at the end of the raw topic, then counts, for `acked` (bodies
 * by webhook-id): ids missing from the raw log, event-store rows (call_events, applied_webhooks,
 * contact_events) missing or extra, and read-model rows missing or extra.
 */
export async function tallyExactlyOnce(
  pipeline: FaultPipeline,
  acked: ReadonlyMap<string, string>,
  timeoutMs = 120_000,
): Promise<Tally> {
  await waitUntilProjected(pipeline, timeoutMs);
  const databaseUrl = pipeline.database.url;
  const by: Tally['by'] = {};
  const raw = await readRawWebhookIds(pipeline.kafka(), pipeline.rawTopic);
  // The raw log is at least once (Allo's retries, duplicates): only a missing id is a fault there.
  by['raw log'] = { ...compare(new Set(acked.keys()), [...new Set(raw)]), duplicated: 0 };
  const applied = appliedBy(acked);
  const entities = expectedEntities(acked.values());
  const deadLetters = { calls: 0, messages: 0, contacts: 0 };
  for (const projection of PROJECTION_NAMES) {
    const schema = await liveSchema(databaseUrl, projection);
    const stored = await query<{ id: string }>(
      databaseUrl,
      `select webhook_id as id from "${schema}".${EVENT_STORES[projection]}`,
    );
    by[`${projection} events`] = compare(
      applied[projection],
      stored.map(({ id }) => id),
    );
    const rows = await query<{ id: string }>(
      databaseUrl,
      `select ${ENTITY_KEYS[projection]} as id from read_model.${projection}`,
    );
    by[`${projection} rows`] = compare(
      entities[projection],
      rows.map(({ id }) => id),
    );
    const [dead] = await query<{ n: string }>(
      databaseUrl,
      `select count(*) as n from read_model.dead_letters d join read_model.projections p
         on p.projection = d.projection and p.live_version = d.version where d.projection = $1`,
      [projection],
    );
    deadLetters[projection] = Number(dead?.n ?? 0);
  }
  const values = Object.values(by);
  return {
    lost: values.reduce((sum, t) => sum + t.lost, 0),
    duplicated: values.reduce((sum, t) => sum + t.duplicated, 0),
    by,
    deadLetters,
  };
}

/** Every row of every public read model, as JSON text, sorted: what a rebuild must reproduce. */
export async function readModelRows(databaseUrl: string): Promise<Record<string, string[]>> {
  const rows: Record<string, string[]> = {};
  for (const projection of PROJECTION_NAMES) {
    for (const table of PUBLIC_TABLES[projection]) {
      const found = await query<{ row: string }>(
        databaseUrl,
        `select to_jsonb(t)::text as row from read_model.${table} t order by 1`,
      );
      rows[table] = found.map(({ row }) => row);
    }
  }
  return rows;
}

/**
 * Rebuilds from scratch: fresh projectors (new consumer groups) on a new database read the raw
 * topic from offset 0; resolves with the rows of both databases' read models, table by table.
 */
export async function rebuildAndCompare(
  pipeline: FaultPipeline,
): Promise<{ live: Record<string, string[]>; rebuilt: Record<string, string[]> }> {
  const previous = process.env.DATABASE_URL;
  process.env.DATABASE_URL = pipeline.stack.DATABASE_URL;
  const second = await createTestDatabase<unknown>(`faults_rebuild`).finally(() => {
    if (previous === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previous;
  });
  const projectors = await Promise.all(
    PROJECTION_NAMES.map((projection) =>
      pipeline.projector(
        projection,
        `rebuild-${projection}`,
        second.url,
        uniqueName(`faults-rebuild-${projection}`),
      ),
    ),
  );
  pipeline.extraServices.push(...projectors);
  try {
    for (const projector of projectors) projector.start();
    await Promise.all(projectors.map((projector) => projector.waitReady()));
    await waitUntilProjected(
      { kafka: () => pipeline.kafka(), endpoints: { databaseUrl: second.url }, rawTopic: pipeline.rawTopic },
      120_000,
    );
    return { live: await readModelRows(pipeline.database.url), rebuilt: await readModelRows(second.url) };
  } finally {
    await Promise.all(projectors.map((projector) => projector.stop()));
    await second.drop().catch(() => undefined);
  }
}

/** Rows of `a` not in `b` and of `b` not in `a`, per table (first few of each). */
export function rowDifferences(
  a: Record<string, string[]>,
  b: Record<string, string[]>,
): Record<string, { onlyLive: string[]; onlyRebuilt: string[] }> {
  const differences: Record<string, { onlyLive: string[]; onlyRebuilt: string[] }> = {};
  for (const table of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const left = a[table] ?? [];
    const right = b[table] ?? [];
    const inRight = new Set(right);
    const inLeft = new Set(left);
    const onlyLive = left.filter((row) => !inRight.has(row));
    const onlyRebuilt = right.filter((row) => !inLeft.has(row));
    if (onlyLive.length > 0 || onlyRebuilt.length > 0 || left.length !== right.length)
      differences[table] = { onlyLive: onlyLive.slice(0, 3), onlyRebuilt: onlyRebuilt.slice(0, 3) };
  }
  return differences;
}

/**
 * Lines of the pipeline's logs that hold something no log may: the webhook secret (whole, or
 * its base64 key), a signature value, or a body (the envelope of any delivered event, raw or
 * JSON-escaped). Each finding names the service and what leaked, never the value itself.
 */
export interface LeakSource {
  readonly secretText: string;
  services(): ReadonlyArray<{
    readonly spec: { readonly name: string };
    readonly lines: readonly string[];
    readonly logFile: string;
  }>;
}

export function logLeaks(pipeline: LeakSource, bodies: Iterable<string>): string[] {
  const key = pipeline.secretText.replace(/^whsec_/, '');
  const forbidden: Array<[string, (line: string) => boolean]> = [
    ['the webhook secret', (line) => line.includes(pipeline.secretText) || line.includes(key)],
    ['a webhook-signature value', (line) => /v1,[A-Za-z0-9+/]{43}=/.test(line)],
    ['a webhook body', (line) => /\\?"topic\\?"\s*:\s*\\?"(call|sms|contact)\./.test(line)],
  ];
  // Marker strings of the bodies: each body's data object start, which no log should carry.
  const markers = new Set<string>();
  for (const body of bodies) {
    const data = body.indexOf('"data"');
    if (data >= 0) markers.add(body.slice(data, data + 60));
    if (markers.size >= 200) break;
  }
  const leaks: string[] = [];
  for (const service of pipeline.services()) {
    for (const line of service.lines) {
      for (const [what, test] of forbidden)
        if (test(line)) leaks.push(`${service.spec.name}: ${what} (${service.logFile})`);
      for (const marker of markers)
        if (line.includes(marker) || line.includes(JSON.stringify(marker).slice(1, -1)))
          leaks.push(`${service.spec.name}: a body's data (${service.logFile})`);
    }
  }
  return [...new Set(leaks)];
}

/** One row of the suite's summary table (see summary-reporter.js). */
export interface ScenarioRow {
  readonly scenario: string;
  readonly sent: number;
  readonly acknowledged: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Seconds from the fault until the pipeline acknowledged (or applied) again; null: not measured. */
  readonly recoverSeconds: number | null;
  readonly durationSeconds: number;
  readonly note?: string;
}

export const SUMMARY_FILE = 'scenario-table.jsonl';

/** Appends the scenario's row to the suite's summary (printed by the reporter at the end). */
export function recordScenario(row: ScenarioRow): void {
  mkdirSync(suiteStateDir(), { recursive: true });
  appendFileSync(join(suiteStateDir(), SUMMARY_FILE), `${JSON.stringify(row)}\n`);
}
