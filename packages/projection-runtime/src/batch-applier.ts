import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Projection } from '@allo-pipeline/projections';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { backoffDelay, sleep } from './backoff.js';
import { classifyFailure, describeFailure } from './batch-failure.js';
import { applyIsolating, type FailedAttempt, type IsolationOutcome } from './batch-isolation.js';
import { commitBatch, type CommitOutcome } from './commit-batch.js';
import { decodeMessages, type RawRecordDecoder } from './decode-messages.js';
import { errorSummary } from './error-summary.js';
import { planBatch, toDeadLetter, type BatchPlan } from './plan-batch.js';
import type { GenerationSnapshot } from './position-protocol.js';
import { nextOffsetAfter, recordFingerprint, type PartitionCursor } from './position-rules.js';
import { clearFault, recordStuck, stuckFault, type ProjectionFault } from './projection-faults.js';
import type { ProjectorMetrics } from './projector-metrics.js';

/** A partition's cursor plus the event time of its last applied event (for lag in seconds). */
export type Cursor = PartitionCursor & { readonly lastEventAt: Date | null };

export interface BatchApplierDeps {
  readonly db: Kysely<ReadModelDatabase>;
  readonly codec: RawRecordDecoder;
  readonly projection: Projection;
  readonly rawTopic: string;
  readonly log: Logger;
  readonly metrics: ProjectorMetrics;
  readonly now: () => number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** How long one batch may keep failing before the projector reports itself stuck. */
  readonly stuckAfterMs: number;
  /** Attempts on a range whose error is neither known transient nor known deterministic. */
  readonly maxUnknownAttempts: number;
  readonly stopping: AbortSignal;
  isRunning(): boolean;
  cursorOf(partition: number): Cursor;
  setCursor(partition: number, cursor: Cursor): void;
  clusterId(): string;
}

/** One stretch of failures since the last success: where, since when, whether it was reported. */
interface Failing {
  readonly since: number;
  fault: ProjectionFault | undefined;
}

/**
 * Applies fetched batches (batch-isolation.ts): each committed range advances its partition's
 * cursor; records that fail for their own data are dead-lettered; a batch that keeps failing
 * transiently past stuckAfterMs is reported (readiness, read_model.projection_faults) until it
 * commits. Batches of several partitions may be applied at once: failures are tracked per
 * partition, and the projection's stuck fault is cleared only once no partition is failing.
 */
export class BatchApplier {
  private readonly failing = new Map<number, Failing>();

  constructor(private readonly deps: BatchApplierDeps) {}

  /** The stuck fault while one is reported (past the threshold), of the longest-failing partition. */
  get stuck(): ProjectionFault | undefined {
    let stuck: Failing | undefined;
    for (const failing of this.failing.values()) {
      if (failing.fault && (!stuck || failing.since < stuck.since)) stuck = failing;
    }
    return stuck?.fault;
  }

  async apply(
    payload: EachBatchPayload,
    partition: number,
    messages: KafkaMessage[],
    snapshot: GenerationSnapshot,
  ): Promise<IsolationOutcome> {
    const { initialMs, maxMs } = this.deps.retry;
    return applyIsolating(messages, {
      apply: (range) => this.applyRange(partition, [...range], snapshot),
      deadLetter: (message, error) => this.deadLetter(partition, message, error, snapshot),
      classify: classifyFailure,
      isRunning: () => this.deps.isRunning() && payload.isRunning(),
      pause: async (attempt) => {
        this.deps.metrics.batchRetries.labels(this.deps.projection.name).inc();
        try {
          await payload.heartbeat();
        } catch (error) {
          // A rebalance is under way: drop the batch; the partition's next owner resumes from the stored offset.
          this.deps.log.info({ err: errorSummary(error) }, 'heartbeat failed during retry; dropping batch');
          return false;
        }
        await sleep(backoffDelay(attempt, initialMs, maxMs), this.deps.stopping);
        return this.deps.isRunning();
      },
      onFailure: (failure) => this.onFailure(partition, snapshot, failure),
      onSuccess: () => this.onSuccess(partition, snapshot),
      maxUnknownAttempts: this.deps.maxUnknownAttempts,
    });
  }

  private async applyRange(
    partition: number,
    messages: KafkaMessage[],
    snapshot: GenerationSnapshot,
  ): Promise<CommitOutcome> {
    const plan = planBatch(this.deps.projection, partition, await decodeMessages(this.deps.codec, messages));
    return this.commit(partition, messages.at(-1)!, plan, snapshot);
  }

  /** Commits `message` as a dead letter with the error that made its apply fail, moving past it. */
  private async deadLetter(
    partition: number,
    message: KafkaMessage,
    error: unknown,
    snapshot: GenerationSnapshot,
  ): Promise<CommitOutcome> {
    const [decoded] = await decodeMessages(this.deps.codec, [message]);
    const draft = toDeadLetter(
      partition,
      message,
      decoded?.decoded,
      `apply failed: ${describeFailure(error)}`,
    );
    const plan: BatchPlan = { toApply: [], deadLetters: [draft], skipped: 0, lastEventAt: null };
    return this.commit(partition, message, plan, snapshot);
  }

  private async commit(
    partition: number,
    last: KafkaMessage,
    plan: BatchPlan,
    snapshot: GenerationSnapshot,
  ): Promise<CommitOutcome> {
    const { projection, rawTopic } = this.deps;
    const nextOffset = nextOffsetAfter(last.offset);
    const anchor = recordFingerprint(last);
    const cursor = this.deps.cursorOf(partition);
    const outcome = await commitBatch(this.deps.db, {
      projection,
      snapshot,
      topic: rawTopic,
      partition,
      expectedStored: cursor.next,
      plan,
      nextOffset,
      anchor,
      clusterId: this.deps.clusterId(),
    });
    if (outcome.kind !== 'committed') return outcome;
    const previous = cursor.lastEventAt;
    const lastEventAt =
      previous && plan.lastEventAt && previous > plan.lastEventAt ? previous : (plan.lastEventAt ?? previous);
    this.deps.setCursor(partition, {
      next: nextOffset,
      anchor,
      verified: true,
      lastSeekBack: undefined,
      lastEventAt,
    });
    for (const e of plan.toApply)
      this.deps.metrics.eventsApplied.labels(projection.name, e.event.topic).inc();
    this.deps.metrics.deadLetters.labels(projection.name).inc(plan.deadLetters.length);
    if (plan.deadLetters.length > 0) {
      const detail = plan.deadLetters.map((d) => ({ offset: d.offset, error: d.error }));
      this.deps.log.warn({ partition, deadLetters: detail }, 'records dead-lettered');
    }
    return outcome;
  }

  private onFailure(
    partition: number,
    snapshot: GenerationSnapshot,
    failure: FailedAttempt<KafkaMessage>,
  ): void {
    const now = this.deps.now();
    const failing = this.failing.get(partition) ?? { since: now, fault: undefined };
    this.failing.set(partition, failing);
    const range = { fromOffset: failure.range[0]!.offset, toOffset: failure.range.at(-1)!.offset };
    this.deps.log.warn(
      { err: errorSummary(failure.error), kind: failure.kind, partition, ...range, attempt: failure.attempt },
      failure.deadLettering ? 'writing a dead letter failed, retrying' : 'batch failed',
    );
    if (now - failing.since < this.deps.stuckAfterMs) return;
    const stuck = { partition, ...range, error: describeFailure(failure.error), attempts: failure.attempt };
    const target = { projection: this.deps.projection.name, snapshot };
    const since = new Date(failing.since);
    failing.fault = stuckFault(target.projection, stuck, since);
    // Best effort: the database may be what fails; readiness reports it from memory meanwhile.
    recordStuck(this.deps.db, target, stuck, since).catch(() => undefined);
  }

  private onSuccess(partition: number, snapshot: GenerationSnapshot): void {
    const reported = this.failing.get(partition)?.fault !== undefined;
    this.failing.delete(partition);
    // The fault is the projection's: it stays while another partition is still reported stuck.
    if (!reported || this.stuck !== undefined) return;
    this.deps.log.info('batch committed again; no longer stuck');
    const target = { projection: this.deps.projection.name, version: snapshot.version };
    clearFault(this.deps.db, target, 'stuck').catch((error: unknown) => {
      this.deps.log.warn({ err: errorSummary(error) }, 'clearing the stuck fault failed');
    });
  }
}
