import type { Admin } from 'kafkajs';
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  bumpEpoch,
  generationSchema,
  lockProjection,
  readLiveGeneration,
  swapLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { readActiveFaults, type ProjectionFault } from './projection-faults.js';
import {
  checkContinuity,
  isBefore,
  type Discontinuity,
  type LogState,
  type OffsetStart,
  type StoredOffset,
  type Watermarks,
} from './position-rules.js';

/*
 * The position protocol: where each partition of a projection generation resumes, and how that
 * position is loaded, verified, advanced, reset and swapped. Everything that moves a position is
 * in this module; position-rules.ts holds its pure rules.
 *
 * Invariants
 * 1. read_model.projection_offsets is the only source of truth for where a generation resumes
 *    (Kafka's committed offsets are informational). A row's next_offset advances only in the
 *    transaction that applies the records before it (advancePosition), so rows and position
 *    commit together or not at all.
 * 2. Each row is tied to the log it was read from: cluster_id (the Kafka cluster) and anchor
 *    (the fingerprint of the record at next_offset - 1). A position is continued only on a log
 *    that passes checkContinuity (same cluster, partition present, low <= next <= high, and a
 *    partition with nothing stored starting at 0 unless the generation is partial) and whose
 *    record at next_offset - 1 still matches the anchor. A check reads the stored positions
 *    before the log's watermarks, never the other way round: batches commit meanwhile, and a
 *    position read after the watermarks could be past them on a log that is fine. Otherwise nothing is applied: the
 *    projector records a fault and consumes nothing for the projection until an operator resets
 *    or rebuilds, which start a new epoch.
 * 3. One writer per partition position: advancePosition holds a transaction-scoped advisory lock
 *    on (projection, version, topic, partition) and applies only if the stored next_offset is
 *    still the one the batch was positioned against.
 * 4. Live batches commit only while the generation and epoch they were positioned for are live:
 *    they hold the projector gate (shared) and a share lock on the read_model.projections row.
 *    A reset or in-place rebuild updates that row (bumping the epoch) under lockProjection; a
 *    swap closes the gate exclusively, so it sees every live batch either committed or not
 *    started. Live runners re-position whenever the epoch changes.
 * 5. A generation that does not hold the whole log (a rebuild from a truncated log, or from a
 *    time) says so in read_model.generations.partial_reason; nothing is silently partial.
 * 6. A bulk load (a rebuild's first stretch, bulk-load.ts) moves the positions of its seeded
 *    generation once, after its rows are all written (commitBulkPositions): each partition from
 *    the seeded offset, which must still be stored, to its last loaded record + 1 with that
 *    record's fingerprint, exactly what the live path stores after applying the same records.
 * 7. A batch's rows and its position commit in one transaction, so a projector may commit
 *    without waiting for the WAL flush (synchronous_commit=off, projector-service.ts): a Postgres
 *    crash loses whole batches, rows and positions together, and the runner, finding the stored
 *    position behind its own (offset-moved), re-positions and applies them again from the log.
 *    What is not replayable from the log (resets, swaps, the CLI's writes) commits synchronously.
 */

/** Which generation a runner writes: whatever is live (following swaps), or one fixed version (a rebuild). */
export type RunnerTarget = { kind: 'live' } | { kind: 'generation'; version: number };

/** The generation a runner positioned its partitions for; epoch is null for a fixed-generation runner. */
export interface GenerationSnapshot {
  readonly version: number;
  readonly epoch: string | null;
}

/** Everything needed to decide where a generation's partitions resume. */
export interface LoadedPosition {
  readonly snapshot: GenerationSnapshot;
  readonly partial: boolean;
  readonly stored: Map<number, StoredOffset>;
  readonly log: LogState;
  /** Why the stored positions cannot be continued on this log (empty: they can). */
  readonly discontinuities: Discontinuity[];
  /** Log-discontinuity faults recorded for this generation and epoch by any instance. */
  readonly faults: ProjectionFault[];
}

export class TruncatedLogError extends Error {
  constructor(
    readonly topic: string,
    readonly lows: ReadonlyMap<number, string>,
  ) {
    const list = [...lows].map(([p, low]) => `partition ${p} starts at offset ${low}`).join(', ');
    super(
      `the raw log ${topic} no longer starts at offset 0 (${list}): records were deleted by retention or ` +
        'deleteRecords, so a rebuild would silently lack them. Pass --allow-truncated-log to build a ' +
        'generation that is recorded as partial.',
    );
    this.name = 'TruncatedLogError';
  }
}

/** The Kafka cluster id and every partition's watermarks of `topic`. */
export async function readLogState(admin: Admin, topic: string): Promise<LogState> {
  const [{ clusterId }, partitions] = await Promise.all([
    admin.describeCluster(),
    fetchWatermarks(admin, topic),
  ]);
  return { clusterId, partitions };
}

/** Low and high watermarks of every partition of `topic`. */
export async function fetchWatermarks(admin: Admin, topic: string): Promise<Map<number, Watermarks>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
}

/** Loads and verifies one generation's positions against the current log (invariant 2). */
export async function loadPosition(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  target: { projection: ProjectionName; topic: string; runner: RunnerTarget },
): Promise<LoadedPosition> {
  const { projection, topic } = target;
  const snapshot = await readSnapshot(db, projection, target.runner);
  // The stored positions before the log's end (which only grows): a batch committed between the
  // two reads must not look like a position past the end.
  const stored = await readStoredOffsets(db, projection, snapshot.version, topic);
  const [partial, log, faults] = await Promise.all([
    readPartialReason(db, projection, snapshot.version).then((reason) => reason !== null),
    readLogState(admin, topic),
    snapshot.epoch === null
      ? []
      : readActiveFaults(db, projection, snapshot.version, snapshot.epoch).then((all) =>
          all.filter((f) => f.kind === 'log-discontinuity'),
        ),
  ]);
  return {
    snapshot,
    partial,
    stored,
    log,
    discontinuities: checkContinuity(stored, log, { partial }),
    faults,
  };
}

async function readSnapshot(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  runner: RunnerTarget,
): Promise<GenerationSnapshot> {
  if (runner.kind === 'generation') return { version: runner.version, epoch: null };
  const live = await readLiveGeneration(db, projection);
  if (!live)
    throw new Error(`projection ${projection} has no live generation: run ensureLiveGeneration first`);
  return live;
}

/** The stored positions of one generation of a projection on one topic, by partition. */
export async function readStoredOffsets(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
  topic: string,
): Promise<Map<number, StoredOffset>> {
  const rows = await db
    .selectFrom('read_model.projection_offsets')
    .select(['partition', 'next_offset', 'last_event_at', 'cluster_id', 'anchor'])
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('topic', '=', topic)
    .execute();
  return new Map(
    rows.map((row) => [
      row.partition,
      {
        partition: row.partition,
        nextOffset: String(row.next_offset),
        lastEventAt: row.last_event_at,
        clusterId: row.cluster_id,
        anchor: row.anchor,
      },
    ]),
  );
}

/** Why a generation is partial, or null when it holds the whole log. */
export async function readPartialReason(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<string | null> {
  const row = await db
    .selectFrom('read_model.generations')
    .select('partial_reason')
    .where('projection', '=', projection)
    .where('version', '=', version)
    .executeTakeFirst();
  return row?.partial_reason ?? null;
}

/** One batch's move of one partition's position. */
export interface PositionAdvance {
  readonly projection: ProjectionName;
  readonly snapshot: GenerationSnapshot;
  readonly topic: string;
  readonly partition: number;
  /** The stored next offset the batch was positioned against (undefined: none stored). */
  readonly expectedStored: string | undefined;
  /** Last offset of the batch + 1. */
  readonly nextOffset: string;
  /** recordFingerprint of the batch's last record (at nextOffset - 1). */
  readonly anchor: string;
  readonly clusterId: string;
  readonly lastEventAt: Date | null;
}

export type AdvanceOutcome =
  | { kind: 'committed' }
  /** The live generation or epoch changed (swap, reset, in-place rebuild): re-seek, apply nothing. */
  | { kind: 'stale-generation' }
  /** Someone else moved this partition's position: re-position, apply nothing. */
  | { kind: 'offset-moved'; stored: string | undefined };

/**
 * Runs `apply` and moves the position in ONE transaction, after checking invariants 3 and 4.
 * Errors from `apply` roll everything back and propagate for the caller to retry.
 */
export async function advancePosition(
  db: Kysely<ReadModelDatabase>,
  advance: PositionAdvance,
  apply: (trx: Transaction<ReadModelDatabase>) => Promise<void>,
): Promise<AdvanceOutcome> {
  return db.transaction().execute(async (trx) => {
    const { projection, snapshot } = advance;
    if (snapshot.epoch !== null && !(await holdsLiveGeneration(trx, projection, snapshot))) {
      return { kind: 'stale-generation' };
    }
    const stored = await lockPartitionPosition(trx, advance);
    if (stored !== advance.expectedStored) return { kind: 'offset-moved', stored };
    await apply(trx);
    await upsertPosition(trx, advance);
    return { kind: 'committed' };
  });
}

async function holdsLiveGeneration(
  trx: Transaction<ReadModelDatabase>,
  projection: ProjectionName,
  snapshot: GenerationSnapshot,
): Promise<boolean> {
  await enterProjectorGate(trx, projection);
  const live = await trx
    .selectFrom('read_model.projections')
    .select(['live_version', 'epoch'])
    .where('projection', '=', projection)
    .forShare()
    .executeTakeFirst();
  return (
    live !== undefined && live.live_version === snapshot.version && String(live.epoch) === snapshot.epoch
  );
}

/** Serialises writers of one partition position (even before its row exists) and reads it. */
async function lockPartitionPosition(
  trx: Transaction<ReadModelDatabase>,
  advance: PositionAdvance,
): Promise<string | undefined> {
  const key = `read_model.position:${advance.projection}:${advance.snapshot.version}:${advance.topic}`;
  await sql`select pg_advisory_xact_lock(hashtext(${key}), ${advance.partition})`.execute(trx);
  const row = await trx
    .selectFrom('read_model.projection_offsets')
    .select('next_offset')
    .where('projection', '=', advance.projection)
    .where('version', '=', advance.snapshot.version)
    .where('topic', '=', advance.topic)
    .where('partition', '=', advance.partition)
    .executeTakeFirst();
  return row === undefined ? undefined : String(row.next_offset);
}

async function upsertPosition(trx: Transaction<ReadModelDatabase>, advance: PositionAdvance): Promise<void> {
  const now = new Date();
  await trx
    .insertInto('read_model.projection_offsets')
    .values({
      projection: advance.projection,
      version: advance.snapshot.version,
      topic: advance.topic,
      partition: advance.partition,
      next_offset: advance.nextOffset,
      last_event_at: advance.lastEventAt,
      updated_at: now,
      cluster_id: advance.clusterId,
      anchor: advance.anchor,
    })
    .onConflict((oc) =>
      oc.columns(['projection', 'version', 'topic', 'partition']).doUpdateSet({
        next_offset: (eb) => eb.ref('excluded.next_offset'),
        // Keep the newest event time; a batch of only skipped events leaves it unchanged.
        last_event_at: sql<Date>`greatest(${sql.ref('read_model.projection_offsets.last_event_at')}, excluded.last_event_at)`,
        updated_at: now,
        cluster_id: (eb) => eb.ref('excluded.cluster_id'),
        anchor: (eb) => eb.ref('excluded.anchor'),
      }),
    )
    .execute();
}

/** The offset each partition starts from for `start` (by Kafka record time; none at/after it: the log end). */
export async function resolveStartOffsets(
  admin: Admin,
  topic: string,
  start: OffsetStart,
): Promise<Map<number, string>> {
  const { partitions } = await readLogState(admin, topic);
  if (start.kind !== 'timestamp') {
    return new Map([...partitions].map(([p, w]) => [p, start.kind === 'earliest' ? w.low : w.high]));
  }
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, start.at.getTime());
  return new Map(
    byTime.map(({ partition, offset }) => [
      partition,
      offset === '-1' ? (partitions.get(partition)?.high ?? '0') : offset,
    ]),
  );
}

/**
 * Replaces the stored positions of one generation with `offsets`, tied to `clusterId` and with no
 * anchor (nothing before them was applied by this position). Runs in the caller's transaction.
 */
async function writeStoredOffsets(
  trx: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number; topic: string },
  offsets: ReadonlyMap<number, string>,
  clusterId: string,
): Promise<void> {
  await trx
    .deleteFrom('read_model.projection_offsets')
    .where('projection', '=', target.projection)
    .where('version', '=', target.version)
    .where('topic', '=', target.topic)
    .execute();
  if (offsets.size === 0) return;
  const now = new Date();
  const rows = [...offsets].map(([partition, nextOffset]) => ({
    ...target,
    partition,
    next_offset: nextOffset,
    last_event_at: null,
    updated_at: now,
    cluster_id: clusterId,
    anchor: null,
  }));
  await trx.insertInto('read_model.projection_offsets').values(rows).execute();
}

/**
 * Moves the live generation's positions to `to` and starts a new epoch, in one transaction:
 * running projectors re-seek within their watch interval and the generation's faults are
 * cleared. Rows already in the read model stay (a rewind re-applies idempotently by webhook id;
 * `latest` skips what was not applied yet).
 */
export async function resetPosition(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  target: { projection: ProjectionName; topic: string },
  to: OffsetStart,
): Promise<{ version: number; offsets: Map<number, string> }> {
  const { clusterId } = await readLogState(admin, target.topic);
  const offsets = await resolveStartOffsets(admin, target.topic, to);
  const version = await db.transaction().execute(async (trx) => {
    const version = await beginEpoch(trx, target.projection);
    await writeStoredOffsets(trx, { ...target, version }, offsets, clusterId);
    return version;
  });
  return { version, offsets };
}

/**
 * Under lockProjection: bumps the epoch (the row lock makes live batches that start now wait, then
 * see the new epoch) and clears the live generation's faults. Returns the live version.
 */
async function beginEpoch(trx: Transaction<ReadModelDatabase>, projection: ProjectionName): Promise<number> {
  await lockProjection(trx, projection);
  await bumpEpoch(trx, projection);
  const live = await readLiveGeneration(trx, projection);
  if (!live) throw new Error(`projection ${projection} has no live generation`);
  await trx.deleteFrom('read_model.projection_faults').where('projection', '=', projection).execute();
  return live.version;
}

/** What seeding a generation will write: its start offsets, its cluster and why it is partial. */
interface SeedPlan {
  readonly offsets: Map<number, string>;
  readonly clusterId: string;
  readonly partialReason: string | null;
}

/**
 * Seeds the positions of a new generation from `start` and records whether it is partial.
 * Throws TruncatedLogError when the start would silently miss deleted records (a partition whose
 * log start is above 0 and is where the generation would start), unless allowTruncatedLog.
 */
export async function seedGeneration(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  target: { projection: ProjectionName; version: number; topic: string },
  start: OffsetStart,
  options: { allowTruncatedLog: boolean },
): Promise<Map<number, string>> {
  const plan = await planSeed(admin, target.topic, start, options);
  await db.transaction().execute((trx) => writeSeed(trx, target, plan));
  return plan.offsets;
}

async function planSeed(
  admin: Admin,
  topic: string,
  start: OffsetStart,
  options: { allowTruncatedLog: boolean },
): Promise<SeedPlan> {
  const log = await readLogState(admin, topic);
  const offsets = await resolveStartOffsets(admin, topic, start);
  const truncated = new Map(
    [...log.partitions]
      .filter(([p, w]) => w.low !== '0' && offsets.get(p) === w.low)
      .map(([p, w]) => [p, w.low]),
  );
  if (truncated.size > 0 && !options.allowTruncatedLog) throw new TruncatedLogError(topic, truncated);
  const reasons = [
    ...(start.kind === 'timestamp' ? [`built from ${start.at.toISOString()}`] : []),
    ...(truncated.size > 0
      ? [
          `built from a truncated log (${[...truncated].map(([p, low]) => `partition ${p} from ${low}`).join(', ')})`,
        ]
      : []),
  ];
  return { offsets, clusterId: log.clusterId, partialReason: reasons.length > 0 ? reasons.join('; ') : null };
}

async function writeSeed(
  trx: Transaction<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number; topic: string },
  plan: SeedPlan,
): Promise<void> {
  await writeStoredOffsets(trx, target, plan.offsets, plan.clusterId);
  await trx
    .insertInto('read_model.generations')
    .values({
      projection: target.projection,
      version: target.version,
      partial_reason: plan.partialReason,
      start_offsets: JSON.stringify(Object.fromEntries(plan.offsets)),
    })
    .onConflict((oc) =>
      oc.columns(['projection', 'version']).doUpdateSet({
        partial_reason: (eb) => eb.ref('excluded.partial_reason'),
        start_offsets: (eb) => eb.ref('excluded.start_offsets'),
      }),
    )
    .execute();
}

/**
 * In-place rebuild (NOT zero-downtime: readers see the tables empty, then refilling), in one
 * transaction: a new epoch, every table of the live generation truncated, its dead letters
 * deleted, its positions seeded at the log start (seedGeneration's truncation rule applies).
 */
export async function restartLiveGeneration(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  target: { projection: ProjectionName; topic: string },
  options: { allowTruncatedLog: boolean },
): Promise<{ version: number; tables: string[]; offsets: Map<number, string> }> {
  const plan = await planSeed(admin, target.topic, { kind: 'earliest' }, options);
  return db.transaction().execute(async (trx) => {
    const version = await beginEpoch(trx, target.projection);
    const schema = generationSchema(target.projection, version);
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = ${schema} and table_type = 'BASE TABLE' order by table_name`.execute(trx);
    const tables = rows.map((r) => r.table_name);
    if (tables.length > 0) await sql`truncate ${sql.join(tables.map((t) => sql.id(schema, t)))}`.execute(trx);
    await trx
      .deleteFrom('read_model.dead_letters')
      .where('projection', '=', target.projection)
      .where('version', '=', version)
      .execute();
    await writeSeed(trx, { ...target, version }, plan);
    return { version, tables, offsets: plan.offsets };
  });
}

/**
 * The last step of a zero-downtime rebuild. Closes the projector gate on `session` (live batches
 * in flight commit, new ones wait), lets `waitUntilLevel` bring the new generation to at least
 * `goal` and to the live generation's positions on every partition, and if it did, swaps the
 * views (a new epoch: live runners re-seek to the new generation). A live generation stopped on a
 * log it cannot continue is not levelled with (its positions belong to another log). Returns
 * whether it swapped; the gate is open again either way.
 */
export async function swapWhenLevel(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  session: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number; topic: string },
  goal: ReadonlyMap<number, string>,
  waitUntilLevel: (level: Map<number, string>) => Promise<boolean>,
): Promise<boolean> {
  await sql`select pg_advisory_lock(hashtext(${gateKey(target.projection)}))`.execute(session);
  try {
    const live = await loadPosition(db, admin, { ...target, runner: { kind: 'live' } });
    const level = new Map(goal);
    if (live.discontinuities.length === 0 && live.faults.length === 0) {
      for (const [p, s] of live.stored)
        if (isBefore(level.get(p) ?? '0', s.nextOffset)) level.set(p, s.nextOffset);
    }
    if (!(await waitUntilLevel(level))) return false;
    await swapLiveGeneration(db, target.projection, target.version);
    return true;
  } finally {
    await sql`select pg_advisory_unlock(hashtext(${gateKey(target.projection)}))`.execute(session);
  }
}

/**
 * Runs `hold` with the projector gate closed on `session` (invariant 4): live batches in flight
 * commit first, new ones (and dead-letter replays) wait until it returns or throws. What an
 * in-place rebuild does while it writes the live generation.
 */
export async function withProjectorGateClosed<T>(
  session: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  hold: () => Promise<T>,
): Promise<T> {
  await sql`select pg_advisory_lock(hashtext(${gateKey(projection)}))`.execute(session);
  try {
    return await hold();
  } finally {
    await sql`select pg_advisory_unlock(hashtext(${gateKey(projection)}))`.execute(session);
  }
}

// Live batches hold this advisory lock in shared mode for the length of their transaction; a
// rebuild's swap takes it exclusively on its own session (invariant 4).
function gateKey(projection: ProjectionName): string {
  return `read_model.projector-gate:${projection}`;
}

/** Inside a live batch (or a dead-letter replay) transaction: waits while a swap holds the gate. */
export async function enterProjectorGate(
  trx: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(hashtext(${gateKey(projection)}))`.execute(trx);
}

/** One partition's move by a bulk load: from its seeded offset to after its last loaded record. */
export interface BulkAdvance {
  readonly partition: number;
  /** The seeded next offset (what must still be stored). */
  readonly from: string;
  readonly nextOffset: string;
  readonly anchor: string;
  readonly lastEventAt: Date | null;
}

/** Another writer moved a position while a bulk load was writing its generation. */
export class BulkPositionMovedError extends Error {
  constructor(
    readonly projection: ProjectionName,
    readonly partition: number,
    readonly expected: string,
    readonly stored: string | undefined,
  ) {
    super(
      `projection ${projection}: partition ${partition} position moved during the bulk load ` +
        `(expected ${expected}, found ${stored ?? 'none'})`,
    );
    this.name = 'BulkPositionMovedError';
  }
}

/**
 * Moves a bulk-loaded generation's positions in ONE transaction (invariant 6), each under the
 * partition lock of invariant 3; with `bumpEpoch` (an in-place rebuild of the live generation)
 * the same transaction starts a new epoch, so live runners re-seek to the loaded positions.
 * Throws BulkPositionMovedError (nothing moved) when a position is no longer the seeded one.
 */
export async function commitBulkPositions(
  db: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number; topic: string; clusterId: string },
  advances: readonly BulkAdvance[],
  options: { bumpEpoch: boolean },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (options.bumpEpoch) {
      await lockProjection(trx, target.projection);
      await bumpEpoch(trx, target.projection);
    }
    for (const a of [...advances].sort((x, y) => x.partition - y.partition)) {
      const advance: PositionAdvance = {
        projection: target.projection,
        snapshot: { version: target.version, epoch: null },
        topic: target.topic,
        partition: a.partition,
        expectedStored: a.from,
        nextOffset: a.nextOffset,
        anchor: a.anchor,
        clusterId: target.clusterId,
        lastEventAt: a.lastEventAt,
      };
      const stored = await lockPartitionPosition(trx, advance);
      if (stored !== a.from) throw new BulkPositionMovedError(target.projection, a.partition, a.from, stored);
      await upsertPosition(trx, advance);
    }
  });
}
