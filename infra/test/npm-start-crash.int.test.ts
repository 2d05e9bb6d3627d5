import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateHistory, type DeliveryReport } from '@allo-pipeline/allo-simulator';
import { waitUntil } from '@allo-pipeline/projection-runtime';
import { generationSchema, PROJECTION_NAMES, type ProjectionName } from '@allo-pipeline/read-models';
import { isProcessAlive } from '../src/process-control.js';
import { PipelineUnderTest, SERVICES, type ServiceName } from './pipeline-under-test.js';
import {
  appliedBy,
  deliver,
  ENTITY_KEYS,
  EVENT_STORES,
  expectedEntities,
  readRawWebhookIds,
  waitUntilProjected,
} from './pipeline-probes.js';
import { query } from './private-stack.js';

// Under `npm start`, each service in turn is SIGKILLed while the simulator delivers with Allo's
// retries. The supervisor restarts the killed service alone; each must serve again within 10 s
// (the bound), and every acknowledged event must end in the raw log and in each read
// model that applies it exactly once: the gateway acknowledges only what Kafka has, the retries
// deliver what was refused while it was down, and the projectors resume from stored offsets.

const SERVING_AGAIN_WITHIN_S = 10;

interface Outage {
  readonly service: ServiceName;
  readonly seconds: number;
  /** Events first acknowledged between the kill and the service serving again. */
  readonly ackedMeanwhile: number;
  /** Whether the simulator was still delivering at the kill. */
  readonly underTraffic: boolean;
  /** A projector: seconds from the kill until its stored offsets moved again (null: not seen). */
  applyingAgain?: Promise<number | null>;
}

/** Per service: acknowledged events missing (lost) and rows beyond one per expected id (duplicated). */
type Tally = Record<ServiceName, { lost: number; duplicated: number }>;

/** SIGKILLs `service` (its pid in supervisor.json); resolves once a new process serves /readyz. */
async function killAndTime(
  pipeline: PipelineUnderTest,
  service: ServiceName,
  traffic: Traffic,
): Promise<Outage> {
  const before = pipeline.service(service);
  const pid = before.pid;
  // Never a kill(0): that would be the test's own process group.
  if (pid === null || pid <= 0)
    throw new Error(`${service} has no running process: ${JSON.stringify(before)}`);
  const ackedBefore = traffic.acked.size;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await pipeline.explained(() =>
    waitUntil(
      `${service} serving again after SIGKILL`,
      async () => {
        const now = pipeline.service(service);
        const replaced = !isProcessAlive(pid) && now.pid !== null && now.pid !== pid;
        return (
          replaced &&
          now.state === 'running' &&
          now.restarts === before.restarts + 1 &&
          pipeline.isReady(service)
        );
      },
      60_000,
    ),
  );
  const outage: Outage = {
    service,
    seconds: (Date.now() - killedAt) / 1000,
    ackedMeanwhile: traffic.acked.size - ackedBefore,
    underTraffic: !traffic.finished,
  };
  const projection = service.replace(/^projector-/, '');
  if (projection !== service) outage.applyingAgain = offsetsMoved(pipeline, projection, killedAt);
  return outage;
}

/** Seconds from `since` until `projection` stores an offset again (its live runner applies). */
async function offsetsMoved(
  pipeline: PipelineUnderTest,
  projection: string,
  since: number,
): Promise<number | null> {
  const latest = `select max(updated_at) as at from read_model.projection_offsets where projection = $1`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const [row] = await query<{ at: Date | null }>(pipeline.endpoints.databaseUrl, latest, [projection]);
    if (row?.at && row.at.getTime() > since) return (row.at.getTime() - since) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}

interface Traffic {
  readonly acked: Map<string, string>;
  finished: boolean;
  readonly done: Promise<DeliveryReport>;
}

async function liveVersion(pipeline: PipelineUnderTest, projection: ProjectionName): Promise<number> {
  const [row] = await query<{ live_version: number }>(
    pipeline.endpoints.databaseUrl,
    'select live_version from read_model.projections where projection = $1',
    [projection],
  );
  return row?.live_version ?? 0;
}

async function storedWebhookIds(pipeline: PipelineUnderTest, projection: ProjectionName): Promise<string[]> {
  const schema = generationSchema(projection, await liveVersion(pipeline, projection));
  const rows = await query<{ webhook_id: string }>(
    pipeline.endpoints.databaseUrl,
    `select webhook_id from "${schema}".${EVENT_STORES[projection]}`,
  );
  return rows.map((row) => row.webhook_id).sort();
}

async function openDeadLetters(pipeline: PipelineUnderTest, projection: ProjectionName): Promise<number> {
  const [row] = await query<{ n: string }>(
    pipeline.endpoints.databaseUrl,
    'select count(*) as n from read_model.dead_letters where projection = $1 and version = $2',
    [projection, await liveVersion(pipeline, projection)],
  );
  return Number(row?.n ?? 0);
}

type ListPage = { data: Array<{ id: string }>; next_cursor: string | null };

/** Every id a query API list returns, following next_cursor. */
async function listedIds(pipeline: PipelineUnderTest, path: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const from = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: { status: number; body: ListPage } = await pipeline.api<ListPage>(`${path}?limit=500${from}`);
    if (page.status !== 200) throw new Error(`GET ${path}: HTTP ${page.status}`);
    ids.push(...page.body.data.map(({ id }) => id));
    cursor = page.body.next_cursor;
  }
  return ids;
}

/** How many of `expected` are missing from `found`, and how many of `found` are beyond one per expected id. */
function compare(expected: Set<string>, found: readonly string[]): { lost: number; duplicated: number } {
  const present = new Set(found);
  return {
    lost: [...expected].filter((id) => !present.has(id)).length,
    duplicated: found.length - [...present].filter((id) => expected.has(id)).length,
  };
}

function sum(counts: ReadonlyArray<{ lost: number; duplicated: number }>): {
  lost: number;
  duplicated: number;
} {
  return counts.reduce((a, b) => ({ lost: a.lost + b.lost, duplicated: a.duplicated + b.duplicated }));
}

/** The ids of a projection's public read model (read_model.<projection>), one per row. */
async function entityIds(pipeline: PipelineUnderTest, projection: ProjectionName): Promise<string[]> {
  const sql = `select ${ENTITY_KEYS[projection]} as id from read_model.${projection}`;
  return (await query<{ id: string }>(pipeline.endpoints.databaseUrl, sql)).map(({ id }) => id);
}

function formatTable(
  outages: readonly Outage[],
  applying: Map<string, number | null>,
  tally: Partial<Tally>,
  report?: DeliveryReport,
): string {
  const header = [
    'service',
    'serving again (s)',
    'applying again (s)',
    'acked meanwhile',
    'lost',
    'duplicated',
  ];
  const rows = outages.map((o) => [
    o.service,
    o.seconds.toFixed(2),
    applying.has(o.service) ? (applying.get(o.service)?.toFixed(2) ?? 'not seen') : '-',
    String(o.ackedMeanwhile),
    String(tally[o.service]?.lost ?? '?'),
    String(tally[o.service]?.duplicated ?? '?'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
  const summary = report
    ? `simulator: ${report.events} events, ${report.acknowledged} acknowledged, ${report.failed} failed, ${report.retried} retries, ${report.duplicatesSent} duplicates sent`
    : 'simulator: not finished';
  return `\nnpm start, SIGKILL of each service under traffic:\n${[format(header), ...rows.map(format)].join('\n')}\n${summary}\n`;
}

describe('npm start with each service SIGKILLed in turn while the simulator delivers', () => {
  let pipeline: PipelineUnderTest;
  let traffic: Traffic;
  const outages: Outage[] = [];
  const applying = new Map<string, number | null>();
  const tally: Partial<Tally> = {};
  let report: DeliveryReport | undefined;

  beforeAll(async () => {
    pipeline = await PipelineUnderTest.create();
  });

  afterAll(async () => {
    process.stdout.write(`${formatTable(outages, applying, tally, report)}\n`);
    await pipeline?.dispose();
  }, 90_000);

  it(`restarts each killed service alone, serving again within ${SERVING_AGAIN_WITHIN_S} s`, async () => {
    await pipeline.start();
    // About 8 s of traffic at 40/s per service killed (each kill and its recovery take ~5 s, each
    // waited for), so the traffic outlasts the last kill: with six services, 32 s did not.
    const scale = (SERVICES.length * 8) / 32;
    const events = generateHistory({
      seed: 303,
      calls: Math.round(280 * scale),
      smsConversations: Math.round(110 * scale),
      contacts: Math.round(60 * scale),
      startAt: new Date(),
    });
    const acked = new Map<string, string>();
    const options = { concurrency: 8, ratePerSecond: 40, duplicateRate: 0.05, reorderWindow: 4, seed: 303 };
    const delivery = deliver(pipeline, events, options, acked);
    traffic = { acked, finished: false, done: delivery.then((result) => result.report) };
    void delivery.finally(() => (traffic.finished = true)).catch(() => undefined);

    for (const service of SERVICES) outages.push(await killAndTime(pipeline, service, traffic));
    for (const o of outages) if (o.applyingAgain) applying.set(o.service, await o.applyingAgain);

    expect(outages.filter((o) => !o.underTraffic).map((o) => o.service)).toEqual([]);
    const restarts = pipeline.supervisor().services.map(({ name, restarts }) => [name, restarts]);
    expect(Object.fromEntries(restarts)).toEqual(Object.fromEntries(SERVICES.map((name) => [name, 1])));
    expect(
      outages.filter((o) => o.seconds > SERVING_AGAIN_WITHIN_S).map((o) => [o.service, o.seconds]),
    ).toEqual([]);
  }, 120_000);

  it('delivers every event, and each acknowledged one is in the raw log and its read models exactly once', async () => {
    report = await traffic.done;
    expect(report).toMatchObject({ acknowledged: report.events, failed: 0 });
    await pipeline.explained(() => waitUntilProjected(pipeline, 90_000));

    const raw = await readRawWebhookIds(pipeline.kafka());
    const applied = appliedBy(traffic.acked);
    const entities = expectedEntities(traffic.acked.values());
    const stored = new Map<ProjectionName, string[]>();
    const deadLetters: Record<string, number> = {};
    // Duplicated raw records are no fault: the log is at least once (simulator duplicates, retries).
    tally.gateway = {
      lost: compare(new Set(traffic.acked.keys()), raw).lost,
      duplicated: raw.length - new Set(raw).size,
    };
    for (const projection of PROJECTION_NAMES) {
      stored.set(projection, await storedWebhookIds(pipeline, projection));
      deadLetters[projection] = await openDeadLetters(pipeline, projection);
      const rows = await entityIds(pipeline, projection);
      const events = compare(applied[projection], stored.get(projection) ?? []);
      const entityRows = compare(entities[projection], rows);
      tally[`projector-${projection}`] = sum([events, entityRows]);
    }
    const served = await Promise.all(
      PROJECTION_NAMES.map(async (name) => compare(entities[name], await listedIds(pipeline, `/v1/${name}`))),
    );
    tally['query-api'] = sum(served);

    for (const projection of PROJECTION_NAMES)
      expect([projection, stored.get(projection)]).toEqual([projection, [...applied[projection]].sort()]);
    expect(deadLetters).toEqual({ calls: 0, messages: 0, contacts: 0 });
    expect(Object.entries(tally).filter(([, t]) => t.lost > 0)).toEqual([]);
    expect(Object.entries(tally).filter(([name, t]) => name !== 'gateway' && t.duplicated > 0)).toEqual([]);
  }, 120_000);

  it('stops on Ctrl-C leaving no process or port behind', async () => {
    const stopped = await pipeline.stop();

    expect(stopped.stackStopped).toEqual(['kafka', 'postgres', 'registry']);
  }, 120_000);
});
