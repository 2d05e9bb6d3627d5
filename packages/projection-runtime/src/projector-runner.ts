import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Projection } from '@allo-pipeline/projections';
import { readLiveGeneration, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { backoffDelay, sleep } from './backoff.js';
import {
  commitBatch,
  type CommitOutcome,
  type GenerationSnapshot,
  type RunnerTarget,
} from './commit-batch.js';
import { decodeMessages, type RawRecordDecoder } from './decode-messages.js';
import { isBefore, lagMessages, lagSeconds, nextOffsetAfter, positionBatch, startOffset } from './offsets.js';
import { planBatch } from './plan-batch.js';
import { createProjectorMetrics, type ProjectorMetrics } from './projector-metrics.js';
import { fetchWatermarks, readStoredOffsets } from './stored-offsets.js';

export interface ProjectorRunnerDeps {
  readonly kafka: Kafka;
  readonly db: Kysely<ReadModelDatabase>;
  readonly codec: RawRecordDecoder;
  readonly projection: Projection;
  readonly rawTopic: string;
  readonly groupId: string;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly now: () => number;
  readonly target: RunnerTarget;
  /** kafkajs consumer options (tests shorten sessionTimeout, heartbeatInterval, maxWaitTimeInMs). */
  readonly consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  /** How often the epoch and the log end are checked, even when idle (default 2000 ms). */
  readonly watchIntervalMs?: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** Called when the consumer crashed for good (kafkajs will not restart it). */
  readonly onCrash?: (error: Error) => void;
}

/** Per-partition progress of a runner, for rebuild progress and tests. */
export interface PartitionProgress {
  readonly partition: number;
  readonly nextOffset: string | undefined;
}

type BatchOutcome = CommitOutcome | { kind: 'stopped' };

/**
 * Consumes the raw topic for one projection and folds it into Postgres. The stored offsets
 * (read_model.projection_offsets) are the source of truth: each batch is verified against them and
 * applied in one transaction that also advances them; Kafka's committed offsets only feed external
 * lag tools. A live runner follows the live generation and re-seeks when its epoch changes.
 */
export class ProjectorRunner {
  private readonly log: Logger;
  private readonly metrics: ProjectorMetrics;
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private snapshot: GenerationSnapshot | undefined;
  private stored = new Map<number, { nextOffset: string; lastEventAt: Date | null }>();
  private lows = new Map<number, string>();
  private highs = new Map<number, string>();
  private readonly seekBacks = new Map<number, string>();
  private assigned: number[] = [];
  /** Every re-positioning (assignment, epoch change) chains here; batches wait for it. */
  private positioning: Promise<void> = Promise.resolve();
  private watchTimer: NodeJS.Timeout | undefined;
  private watching = false;
  private running = false;
  private crashed: Error | undefined;

  constructor(private readonly deps: ProjectorRunnerDeps) {
    this.log = deps.logger.child({ projection: deps.projection.name, groupId: deps.groupId });
    this.metrics = createProjectorMetrics(deps.metrics);
  }

  /** Connects, positions on the stored offsets and starts consuming. Throws if Kafka or Postgres is unreachable. */
  async start(): Promise<void> {
    const { kafka, rawTopic, groupId } = this.deps;
    this.admin = kafka.admin();
    await this.admin.connect();
    await this.loadPositions();
    const consumer = kafka.consumer({ ...this.deps.consumer, groupId });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.onAssigned(payload.memberAssignment[rawTopic] ?? []),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topic: rawTopic, fromBeginning: true });
    await consumer.run({ eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) });
    this.running = true;
    const interval = this.deps.watchIntervalMs ?? 2000;
    this.watchTimer = setInterval(() => void this.watch(), interval);
    this.watchTimer.unref();
    this.log.info({ version: this.snapshot?.version, target: this.deps.target.kind }, 'projector started');
  }

  /** Stops consuming (an in-flight batch finishes or rolls back) and disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    clearInterval(this.watchTimer);
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
    this.log.info('projector stopped');
  }

  /** Running and not crashed: what /readyz reports (with the database check). */
  isRunning(): boolean {
    return this.running && this.crashed === undefined;
  }

  /** The generation this runner writes to. */
  get version(): number | undefined {
    return this.snapshot?.version;
  }

  /** Stored next offsets as this runner last committed or loaded them. */
  progress(): PartitionProgress[] {
    return [...this.stored].map(([partition, s]) => ({ partition, nextOffset: s.nextOffset }));
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    await this.positioning;
    if (!payload.isRunning() || payload.isStale() || batch.isEmpty() || !this.snapshot) return;
    const partition = batch.partition;
    const expected = startOffset(this.stored.get(partition)?.nextOffset, this.lows.get(partition) ?? '0');
    const position = positionBatch(expected, batch.firstOffset() ?? expected, this.seekBacks.get(partition));
    if (position.kind === 'seek-back') {
      this.seekBacks.set(partition, position.to);
      this.seek(partition, position.to);
      return;
    }
    this.seekBacks.delete(partition);
    const messages = batch.messages.filter((m) => !isBefore(m.offset, position.from));
    const last = messages.at(-1);
    if (!last) return;
    const started = this.deps.now();
    const outcome = await this.withRetries(payload, () =>
      this.applyOnce(partition, messages, this.snapshot!),
    );
    if (outcome.kind === 'stale-generation') return this.reposition('generation-changed');
    if (outcome.kind === 'offset-moved') return this.onOffsetMoved(partition, outcome.stored);
    if (outcome.kind === 'stopped') return;
    this.metrics.batchSize.labels(this.deps.projection.name).observe(messages.length);
    this.metrics.batchDuration.labels(this.deps.projection.name).observe((this.deps.now() - started) / 1000);
    this.highs.set(partition, batch.highWatermark);
    this.updateLag(partition);
    payload.resolveOffset(last.offset);
    await payload.commitOffsetsIfNecessary().catch((error: unknown) => {
      this.log.warn(
        { err: errorSummary(error), partition },
        'kafka offset commit failed (informational only)',
      );
    });
  }

  private async applyOnce(
    partition: number,
    messages: KafkaMessage[],
    snapshot: GenerationSnapshot,
  ): Promise<CommitOutcome> {
    const { projection, rawTopic } = this.deps;
    const plan = planBatch(projection, partition, await decodeMessages(this.deps.codec, messages));
    const nextOffset = nextOffsetAfter(messages.at(-1)!.offset);
    const expectedStored = this.stored.get(partition)?.nextOffset;
    const outcome = await commitBatch(this.deps.db, {
      projection,
      snapshot,
      topic: rawTopic,
      partition,
      expectedStored,
      plan,
      nextOffset,
    });
    if (outcome.kind !== 'committed') return outcome;
    const previous = this.stored.get(partition)?.lastEventAt ?? null;
    const lastEventAt =
      previous && plan.lastEventAt && previous > plan.lastEventAt ? previous : (plan.lastEventAt ?? previous);
    this.stored.set(partition, { nextOffset, lastEventAt });
    for (const e of plan.toApply) this.metrics.eventsApplied.labels(projection.name, e.event.topic).inc();
    this.metrics.deadLetters.labels(projection.name).inc(plan.deadLetters.length);
    if (plan.deadLetters.length > 0) {
      const offsets = plan.deadLetters.map((d) => d.offset);
      this.log.warn(
        { partition, offsets, errors: plan.deadLetters.map((d) => d.error) },
        'records dead-lettered',
      );
    }
    return outcome;
  }

  /** Retries a failing batch forever (while running), with backoff and heartbeats; never skips it. */
  private async withRetries(
    payload: EachBatchPayload,
    attempt: () => Promise<CommitOutcome>,
  ): Promise<BatchOutcome> {
    const { initialMs, maxMs } = this.deps.retry ?? { initialMs: 100, maxMs: 10_000 };
    for (let failures = 0; ; failures += 1) {
      if (!this.running || !payload.isRunning()) return { kind: 'stopped' };
      try {
        return await attempt();
      } catch (error) {
        const delayMs = backoffDelay(failures + 1, initialMs, maxMs);
        this.metrics.batchRetries.labels(this.deps.projection.name).inc();
        this.log.warn(
          { err: errorSummary(error), partition: payload.batch.partition, attempt: failures + 1, delayMs },
          'batch failed, retrying',
        );
        try {
          await payload.heartbeat();
        } catch (heartbeatError) {
          // A rebalance is under way: drop the batch; the partition's next owner resumes from the stored offset.
          this.log.info(
            { err: errorSummary(heartbeatError) },
            'heartbeat failed during retry; dropping batch',
          );
          return { kind: 'stopped' };
        }
        await sleep(delayMs, this.stopping.signal);
      }
    }
  }

  private onAssigned(partitions: number[]): void {
    this.assigned = [...partitions];
    // Seek at once with what is known (before kafkajs fetches), then reload and seek again.
    for (const partition of partitions) this.seek(partition, this.resumeOffset(partition));
    void this.reposition('assignment');
  }

  private onOffsetMoved(partition: number, stored: string | undefined): void {
    this.log.info({ partition, stored }, 'stored offset moved underneath this runner; re-positioning');
    if (stored === undefined) this.stored.delete(partition);
    else
      this.stored.set(partition, {
        nextOffset: stored,
        lastEventAt: this.stored.get(partition)?.lastEventAt ?? null,
      });
    this.seek(partition, this.resumeOffset(partition));
  }

  /** Reloads the generation and stored offsets, then seeks every assigned partition. Serialised. */
  private reposition(reason: string): Promise<void> {
    this.positioning = this.positioning.then(async () => {
      for (let attempt = 1; this.running || attempt === 1; attempt += 1) {
        try {
          await this.loadPositions();
          break;
        } catch (error) {
          this.log.warn({ err: errorSummary(error), attempt }, 'reloading stored offsets failed, retrying');
          await sleep(backoffDelay(attempt), this.stopping.signal);
        }
      }
      this.seekBacks.clear();
      for (const partition of this.assigned) this.seek(partition, this.resumeOffset(partition));
      this.metrics.reseeks.labels(this.deps.projection.name, reason).inc();
      this.log.info(
        { reason, version: this.snapshot?.version, epoch: this.snapshot?.epoch, partitions: this.assigned },
        're-positioned on stored offsets',
      );
    });
    return this.positioning;
  }

  private async loadPositions(): Promise<void> {
    const { db, projection, rawTopic, target } = this.deps;
    if (target.kind === 'generation') this.snapshot = { version: target.version, epoch: null };
    else {
      const live = await readLiveGeneration(db, projection.name);
      if (!live)
        throw new Error(
          `projection ${projection.name} has no live generation: run ensureLiveGeneration first`,
        );
      this.snapshot = live;
    }
    this.stored = await readStoredOffsets(db, projection.name, this.snapshot.version, rawTopic);
    const watermarks = await fetchWatermarks(this.admin!, rawTopic);
    for (const [partition, w] of watermarks) {
      this.lows.set(partition, w.low);
      this.highs.set(partition, w.high);
    }
  }

  private resumeOffset(partition: number): string {
    return startOffset(this.stored.get(partition)?.nextOffset, this.lows.get(partition) ?? '0');
  }

  private seek(partition: number, offset: string): void {
    this.consumer?.seek({ topic: this.deps.rawTopic, partition, offset });
  }

  /** Periodic: re-seek on an epoch change (even when idle), refresh watermarks and lag gauges. */
  private async watch(): Promise<void> {
    if (this.watching || !this.running) return;
    this.watching = true;
    try {
      if (this.deps.target.kind === 'live' && this.snapshot) {
        const live = await readLiveGeneration(this.deps.db, this.deps.projection.name);
        if (live && (live.version !== this.snapshot.version || live.epoch !== this.snapshot.epoch)) {
          await this.reposition('epoch-changed');
        }
      }
      for (const [partition, w] of await fetchWatermarks(this.admin!, this.deps.rawTopic)) {
        this.lows.set(partition, w.low);
        this.highs.set(partition, w.high);
      }
      for (const partition of this.assigned) this.updateLag(partition);
    } catch (error) {
      this.log.warn({ err: errorSummary(error) }, 'epoch/lag check failed');
    } finally {
      this.watching = false;
    }
  }

  private updateLag(partition: number): void {
    const high = this.highs.get(partition);
    if (high === undefined) return;
    const behind = lagMessages(high, this.resumeOffset(partition));
    const label = [this.deps.projection.name, String(partition)] as const;
    this.metrics.lagMessages.labels(...label).set(behind);
    this.metrics.lagSeconds
      .labels(...label)
      .set(lagSeconds(this.deps.now(), this.stored.get(partition)?.lastEventAt ?? null, behind));
  }

  private onCrash(error: Error, restart: boolean): void {
    this.log.error({ err: errorSummary(error), restart }, 'consumer crashed');
    if (restart) return;
    this.crashed = error;
    this.deps.onCrash?.(error);
  }
}

/** Error name, message and code only: never payloads or SQL parameters. */
export function errorSummary(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'NonError', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
