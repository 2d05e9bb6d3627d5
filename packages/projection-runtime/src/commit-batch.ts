import type { Kysely, Transaction } from 'kysely';
import type { Projection } from '@allo-pipeline/projections';
import { generationSchema, type ReadModelDatabase } from '@allo-pipeline/read-models';
import type { BatchPlan, DeadLetterDraft } from './plan-batch.js';
import { advancePosition, type AdvanceOutcome, type GenerationSnapshot } from './position-protocol.js';

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
  /** recordFingerprint of the batch's last record. */
  readonly anchor: string;
  /** The Kafka cluster the batch was read from. */
  readonly clusterId: string;
}

export type CommitOutcome = AdvanceOutcome;

/**
 * Applies one batch in ONE transaction with the move of its partition's position (see
 * position-protocol.ts): the events once, the dead letters (idempotently, by position), the new
 * position. Either all of it commits or none does; errors propagate for the caller to retry.
 */
export async function commitBatch(
  db: Kysely<ReadModelDatabase>,
  batch: BatchToCommit,
): Promise<CommitOutcome> {
  const { projection, snapshot, plan } = batch;
  return advancePosition(
    db,
    {
      projection: projection.name,
      snapshot,
      topic: batch.topic,
      partition: batch.partition,
      expectedStored: batch.expectedStored,
      nextOffset: batch.nextOffset,
      anchor: batch.anchor,
      clusterId: batch.clusterId,
      lastEventAt: plan.lastEventAt,
    },
    async (trx) => {
      if (plan.toApply.length > 0) {
        await projection.applyBatch(trx, generationSchema(projection.name, snapshot.version), plan.toApply);
      }
      await insertDeadLetters(trx, batch, plan.deadLetters);
    },
  );
}

/** Where dead letters go: the projection, the generation and the topic they were read from. */
export interface DeadLetterTarget {
  readonly projection: Pick<Projection, 'name'>;
  readonly snapshot: Pick<GenerationSnapshot, 'version'>;
  readonly topic: string;
}

/** Inserts dead letters, idempotently by position (a redelivered record is recorded once). */
export async function insertDeadLetters(
  trx: Kysely<ReadModelDatabase> | Transaction<ReadModelDatabase>,
  batch: DeadLetterTarget,
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
