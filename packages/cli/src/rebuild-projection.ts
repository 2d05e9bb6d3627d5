import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import {
  bulkLoadGeneration,
  fetchWatermarks,
  ProjectorRunner,
  readPartialReason,
  readStoredOffsets,
  seedGeneration,
  sleep,
  swapWhenLevel,
  type BulkLoadOutcome,
  type BulkLoadSources,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import {
  createGeneration,
  dropGeneration,
  ensureLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';

/** Another rebuild of the same projection holds the guard. */
export class RebuildInProgressError extends Error {
  constructor(readonly projection: ProjectionName) {
    super(
      `a rebuild of projection ${projection} is already running (advisory lock held); wait for it to finish`,
    );
    this.name = 'RebuildInProgressError';
  }
}

export interface RebuildProgress {
  readonly phase: 'bulk-load' | 'catch-up' | 'final-sync' | 'swapped';
  readonly version: number;
  /** Log positions consumed since the seeded start, over the whole topic. */
  readonly done: number;
  /** Log positions between the seeded start and the high watermark sampled at the start. */
  readonly total: number;
}

export interface RebuildDeps extends BulkLoadSources {
  readonly now: () => number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Consumer group of the rebuild runner (default allo-projector-<name>-rebuild). */
  readonly groupId?: string;
  readonly pollMs?: number;
  /** How long the live projector may stay frozen while the new generation does its last steps. */
  readonly finalSyncTimeoutMs?: number;
}

/** The new generation's runner stopped on a log it cannot continue (the log changed during the rebuild). */
export class RebuildStoppedError extends Error {
  constructor(message: string) {
    super(`rebuild stopped: ${message}`);
    this.name = 'RebuildStoppedError';
  }
}

export interface RebuildOptions {
  /** Start at the first record at or after this time (the generation is recorded as partial). */
  readonly from?: Date | undefined;
  /** Build from a log whose start was deleted (recorded as partial) instead of refusing. */
  readonly allowTruncatedLog?: boolean;
}

/**
 * Zero-downtime rebuild: builds generation live+1 (or max existing+1) from earliest (or `from`):
 * first the bulk path (bulkLoadGeneration: the log up to its end sampled then, in one pass, with
 * the positions the live path would store), then its own runner from there, and once it has caught up with the log end sampled at that moment, freezes
 * the live projector briefly (the projector gate), waits until the new generation is at least as
 * far as the live one on every partition, and swaps the read_model views atomically. The epoch
 * bump makes live projectors re-seek to the new generation's offsets; the old one is dropped.
 * Refuses (TruncatedLogError) a log that no longer starts at offset 0 unless allowTruncatedLog.
 * A second rebuild of the same projection fails with RebuildInProgressError. On failure the new
 * generation is dropped and the live one is untouched.
 */
export async function rebuildProjection(
  deps: RebuildDeps,
  projection: ProjectionName,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  return deps.db.connection().execute(async (session) => {
    const lockKey = `read_model.rebuild:${projection}`;
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_lock(hashtext(${lockKey})) as locked`.execute(session);
    if (!rows[0]?.locked) throw new RebuildInProgressError(projection);
    try {
      return await buildAndSwap(deps, session, projection, options);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(session);
    }
  });
}

export interface RebuildResult {
  readonly version: number;
  readonly previousVersion: number;
  readonly partial: boolean;
  /** Whether the bulk path loaded the generation or left it to the runner (it failed on something). */
  readonly bulk: BulkLoadOutcome['kind'];
}

async function buildAndSwap(
  deps: RebuildDeps,
  session: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const { db, rawTopic } = deps;
  const live = await ensureLiveGeneration(db, projection);
  const version = Math.max(live.version, await maxExistingVersion(db, projection)) + 1;
  await createGeneration(db, projection, version);
  const target = { projection, version, topic: rawTopic };
  let swapped = false;
  let runner: ProjectorRunner | undefined;
  let bulk: BulkLoadOutcome | undefined;
  try {
    const start = await seedGeneration(
      db,
      deps.admin,
      target,
      options.from ? { kind: 'timestamp', at: options.from } : { kind: 'earliest' },
      { allowTruncatedLog: options.allowTruncatedLog ?? false },
    );
    deps.logger.info({ projection, version, liveVersion: live.version }, 'rebuild started');
    bulk = await bulkLoadGeneration(
      {
        ...deps,
        groupId: `${deps.groupId ?? `allo-projector-${projection}-rebuild`}-bulk`,
        onProgress: (done, total) => deps.onProgress?.({ phase: 'bulk-load', version, done, total }),
      },
      { projection: PROJECTIONS[projection], version, start, bumpEpoch: false },
    );
    deps.logger.info({ projection, version, ...bulk }, 'bulk load done; the runner continues from there');
    runner = rebuildRunner(deps, projection, version);
    await runner.start();
    const sampled = await fetchWatermarks(deps.admin, rawTopic);
    const goal = new Map([...sampled].map(([p, w]) => [p, w.high]));
    const progress = { deps, target, start, runner };
    await waitUntilAtLeast(progress, goal, 'catch-up', Number.POSITIVE_INFINITY);
    for (;;) {
      const level = (l: Map<number, string>) =>
        waitUntilAtLeast(progress, l, 'final-sync', deps.finalSyncTimeoutMs ?? 15_000);
      if (await swapWhenLevel(db, deps.admin, session, target, goal, level)) break;
      deps.logger.warn({ projection }, 'new generation did not level with the live one in time; retrying');
      // Let the frozen live projector breathe before trying again.
      await sleep(1000);
    }
    swapped = true;
    const total = sumSpan(start, goal);
    deps.onProgress?.({ phase: 'swapped', version, done: total, total });
    deps.logger.info({ projection, version, previousVersion: live.version }, 'rebuild swapped in');
  } finally {
    await runner?.stop();
    if (!swapped) await dropGeneration(db, projection, version);
  }
  return {
    version,
    previousVersion: live.version,
    partial: (await readPartialReason(db, projection, version)) !== null,
    bulk: bulk?.kind ?? 'fell-back',
  };
}

function rebuildRunner(deps: RebuildDeps, projection: ProjectionName, version: number): ProjectorRunner {
  return new ProjectorRunner({
    kafka: deps.kafka,
    db: deps.db,
    codec: deps.codec,
    projection: PROJECTIONS[projection],
    rawTopic: deps.rawTopic,
    groupId: deps.groupId ?? `allo-projector-${projection}-rebuild`,
    logger: deps.logger,
    metrics: new Registry(),
    now: deps.now,
    target: { kind: 'generation', version },
    ...(deps.consumer ? { consumer: deps.consumer } : {}),
  });
}

interface RebuildInFlight {
  readonly deps: RebuildDeps;
  readonly target: { projection: ProjectionName; version: number; topic: string };
  readonly start: Map<number, string>;
  readonly runner: ProjectorRunner;
}

/**
 * Polls the new generation's stored offsets until each partition reaches `goal`; false on timeout.
 * Throws RebuildStoppedError when the rebuild's runner stopped on a log it cannot continue.
 */
async function waitUntilAtLeast(
  inFlight: RebuildInFlight,
  goal: Map<number, string>,
  phase: RebuildProgress['phase'],
  timeoutMs: number,
): Promise<boolean> {
  const { deps, target, start, runner } = inFlight;
  const deadline = deps.now() + timeoutMs;
  const total = sumSpan(start, goal);
  for (;;) {
    if (runner.fault) throw new RebuildStoppedError(runner.fault.message);
    const stored = await readStoredOffsets(deps.db, target.projection, target.version, target.topic);
    const position = new Map([...goal].map(([p]) => [p, stored.get(p)?.nextOffset ?? start.get(p) ?? '0']));
    const done = Math.min(total, sumSpan(start, position));
    deps.onProgress?.({ phase, version: target.version, done, total });
    if ([...goal].every(([p, g]) => BigInt(position.get(p)!) >= BigInt(g))) return true;
    if (deps.now() >= deadline) return false;
    await sleep(deps.pollMs ?? 250);
  }
}

/** Sum over partitions of (to − from), ignoring negative spans. */
export function sumSpan(from: ReadonlyMap<number, string>, to: ReadonlyMap<number, string>): number {
  let sum = 0n;
  for (const [p, end] of to) {
    const span = BigInt(end) - BigInt(from.get(p) ?? '0');
    if (span > 0n) sum += span;
  }
  return Number(sum);
}

async function maxExistingVersion(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<number> {
  const prefix = `read_model_${projection}_g`;
  const { rows } = await sql<{ version: number | null }>`
    select max(substring(nspname from ${prefix.length + 1})::int) as version
    from pg_namespace where nspname like ${prefix + '%'} and substring(nspname from ${prefix.length + 1}) ~ '^[0-9]+$'`.execute(
    db,
  );
  return rows[0]?.version ?? 0;
}
