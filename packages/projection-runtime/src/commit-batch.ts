import { sql, type Kysely, type Transaction } from 'kysely';
import type { Projection } from '@allo-pipeline/projections';
import { generationSchema, type ReadModelDatabase } from '@allo-pipeline/read-models';
import type { BatchPlan, DeadLetterDraft } from './plan-batch.js';
import { enterProjectorGate } from './projector-gate.js';

/** Which generation a runner writes: whatever is live (following swaps), or one fixed version (a rebuild). */
export type RunnerTarget = { kind: 'live' } | { kind: 'generation'; version: number };

/** The generation a runner positioned its partitions for; epoch is null for a fixed-generation runner. */
export interface GenerationSnapshot {
  readonly version: number;
  readonly epoch: string | null;
}

export interface BatchToCommit {
  readonly projection: Projection;
  readonly snapshot: GenerationSnapshot;
  readonly topic: string;
  readonly partition: number;
  /** The stored next offset the batch was positioned against (undefined: none stored). */
  readonly expectedStored: string | undefined;
  readonly plan: BatchPlan;
  /** Last offset of the batch + 1. */
  readonly nextOffset: string;
}

export type CommitOutcome =
  | { kind: 'committed' }
  /** The live generation or epoch changed (swap, reset, in-place rebuild): re-seek, apply nothing. */
  | { kind: 'stale-generation' }
  /** Someone else moved this partition's stored offset: re-position, apply nothing. */
  | { kind: 'offset-moved'; stored: string | undefined };

/**
 * Applies one batch in ONE transaction: verifies the generation (live runners) and the stored
 * offset, applies the events once, inserts dead letters (idempotently, by position) and advances
 * the stored offset. Either all of it commits or none does; errors propagate for the caller to
 * retry.
 */
export async function commitBatch(
  db: Kysely<ReadModelDatabase>,
  batch: BatchToCommit,
): Promise<CommitOutcome> {
  return db.transaction().execute(async (trx) => {
    const { projection, snapshot } = batch;
    if (snapshot.epoch !== null) {
      await enterProjectorGate(trx, projection.name);
      const live = await trx
        .selectFrom('read_model.projections')
        .select(['live_version', 'epoch'])
        .where('projection', '=', projection.name)
        .forShare()
        .executeTakeFirst();
      if (!live || live.live_version !== snapshot.version || String(live.epoch) !== snapshot.epoch) {
        return { kind: 'stale-generation' };
      }
    }
    const stored = await lockStoredOffset(trx, batch);
    if (stored !== batch.expectedStored) return { kind: 'offset-moved', stored };
    if (batch.plan.toApply.length > 0) {
      await projection.applyBatch(
        trx,
        generationSchema(projection.name, snapshot.version),
        batch.plan.toApply,
      );
    }
    await insertDeadLetters(trx, batch, batch.plan.deadLetters);
    await upsertOffset(trx, batch);
    return { kind: 'committed' };
  });
}

async function lockStoredOffset(
  trx: Transaction<ReadModelDatabase>,
  batch: BatchToCommit,
): Promise<string | undefined> {
  const row = await trx
    .selectFrom('read_model.projection_offsets')
    .select('next_offset')
    .where('projection', '=', batch.projection.name)
    .where('version', '=', batch.snapshot.version)
    .where('topic', '=', batch.topic)
    .where('partition', '=', batch.partition)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? undefined : String(row.next_offset);
}

async function insertDeadLetters(
  trx: Transaction<ReadModelDatabase>,
  batch: BatchToCommit,
  drafts: readonly DeadLetterDraft[],
): Promise<void> {
  if (drafts.length === 0) return;
  await trx
    .insertInto('read_model.dead_letters')
    .values(
      drafts.map((d) => ({
        projection: batch.projection.name,
        version: batch.snapshot.version,
        topic: batch.topic,
        partition: d.partition,
        kafka_offset: d.offset,
        webhook_id: d.webhookId,
        error: d.error,
        raw_key: d.rawKey,
        raw_value: d.rawValue,
        headers: JSON.stringify(d.headers),
        replayed_at: null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['projection', 'version', 'topic', 'partition', 'kafka_offset']).doNothing(),
    )
    .execute();
}

async function upsertOffset(trx: Transaction<ReadModelDatabase>, batch: BatchToCommit): Promise<void> {
  const now = new Date();
  await trx
    .insertInto('read_model.projection_offsets')
    .values({
      projection: batch.projection.name,
      version: batch.snapshot.version,
      topic: batch.topic,
      partition: batch.partition,
      next_offset: batch.nextOffset,
      last_event_at: batch.plan.lastEventAt,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['projection', 'version', 'topic', 'partition']).doUpdateSet({
        next_offset: (eb) => eb.ref('excluded.next_offset'),
        // Keep the newest event time; a batch of only skipped events leaves it unchanged.
        last_event_at: sql<Date>`greatest(${sql.ref('read_model.projection_offsets.last_event_at')}, excluded.last_event_at)`,
        updated_at: now,
      }),
    )
    .execute();
}
