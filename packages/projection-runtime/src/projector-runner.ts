import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Projection } from '@allo-pipeline/projections';
import {
  consumerCrashLevel,
  rawTopicFetchSizes,
  restartUnlessStopped,
} from '@allo-pipeline/raw-webhook-record';
import { readLiveGeneration, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { backoffDelay, sleep } from './backoff.js';
import { BatchApplier, type Cursor } from './batch-applier.js';
import type { RawRecordDecoder } from './decode-messages.js';
import { errorSummary } from './error-summary.js';
import {
  loadPosition,
  readLogState,
  readStoredOffsets,
  type GenerationSnapshot,
  type LoadedPosition,
  type RunnerTarget,
} from './position-protocol.js';
import {
  decideBatch,
  isBefore,
  lagMessages,
  lagSeconds,
  type LogState,
  type StoredOffset,
} from './position-rules.js';
import type { ProjectionFault } from './projection-faults.js';
import { ProjectionHalt } from './projection-halt.js';
import { createProjectorMetrics, type ProjectorMetrics } from './projector-metrics.js';
import type { Readiness } from './probe-server.js';

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
  /** How often the epoch, the log and the faults are checked, even when idle (default 2000 ms). */
  readonly watchIntervalMs?: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** How long one batch may keep failing transiently before readiness says stuck (default 30 s). */
  readonly stuckAfterMs?: number;
  /**
   * How many partitions' batches are applied at once (default 1). Each partition's batches stay
   * in order; batches of different partitions commit in parallel transactions, which the
   * projections allow (entity-locks.ts: one writer per entity, whichever partition it is in).
   */
  readonly partitionsConcurrently?: number;
  /** Called when the consumer crashed for good (kafkajs will not restart it). */
  readonly onCrash?: (error: Error) => void;
}

/** How often a batch being applied heartbeats (kafkajs sends at most one per heartbeatInterval). */
const KEEP_ALIVE_MS = 1_000;

/**
 * Consumes the raw topic for one projection and folds it into Postgres, following the position
 * protocol (position-protocol.ts): positions come from read_model.projection_offsets and are
 * verified against the current log before anything is applied; each batch is applied in one
 * transaction that also advances its position. A log that cannot be continued stops the whole
 * projection (consumption paused, a fault recorded, readiness false) until a reset or rebuild
 * starts a new epoch or the log comes back. A live runner follows the live generation.
 */
export class ProjectorRunner {
  private readonly log: Logger;
  private readonly metrics: ProjectorMetrics;
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private snapshot: GenerationSnapshot | undefined;
  private partial = false;
  private logState: LogState | undefined;
  private cursors = new Map<number, Cursor>();
  private readonly halt: ProjectionHalt;
  private readonly applier: BatchApplier;
  private assigned: number[] = [];
  /** Every re-positioning (assignment, epoch change) chains here; batches wait for it. */
  private positioning: Promise<void> = Promise.resolve();
  private watchTimer: NodeJS.Timeout | undefined;
  private watching = false;
  private running = false;
  private startedAt = 0;
  private crashed: Error | undefined;

  constructor(private readonly deps: ProjectorRunnerDeps) {
    this.log = deps.logger.child({ projection: deps.projection.name, groupId: deps.groupId });
    this.metrics = createProjectorMetrics(deps.metrics);
    const topic = [{ topic: deps.rawTopic }];
    this.halt = new ProjectionHalt({
      db: deps.db,
      projection: deps.projection.name,
      log: this.log,
      gauge: (value) => this.metrics.halted.labels(deps.projection.name).set(value),
      pause: () => (this.running ? this.consumer?.pause(topic) : undefined),
      resume: () => this.consumer?.resume(topic),
    });
    this.applier = new BatchApplier({
      db: deps.db,
      codec: deps.codec,
      projection: deps.projection,
      rawTopic: deps.rawTopic,
      log: this.log,
      metrics: this.metrics,
      now: deps.now,
      retry: deps.retry ?? { initialMs: 100, maxMs: 10_000 },
      stuckAfterMs: deps.stuckAfterMs ?? 30_000,
      maxUnknownAttempts: 5,
      stopping: this.stopping.signal,
      isRunning: () => this.running,
      cursorOf: (partition) => this.cursorOf(partition),
      setCursor: (partition, cursor) => this.cursors.set(partition, cursor),
      clusterId: () => this.logState!.clusterId,
    });
  }

  /** Connects, loads and verifies the positions, and starts consuming. Throws if Kafka or Postgres is unreachable. */
  async start(): Promise<void> {
    this.startedAt = this.deps.now();
    const { kafka, rawTopic, groupId } = this.deps;
    this.admin = kafka.admin();
    await this.admin.connect();
    this.running = true;
    await this.applyLoaded(await this.load());
    // Sized from the topic, so that the largest record the gateway may write is fetched (live and rebuild runners alike).
    const fetchSizes = await rawTopicFetchSizes(this.admin, rawTopic);
    const consumer = kafka.consumer({
      ...fetchSizes,
      ...this.deps.consumer,
      retry: restartUnlessStopped(this.deps.consumer?.retry, () => this.running),
      groupId,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.onAssigned(payload.memberAssignment[rawTopic] ?? []),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topic: rawTopic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      // Kafka's committed offsets are informational (positions live in Postgres): every 5 s, not
      // after every batch. Each commit is a write to __consumer_offsets; at 1k events/s the three
      // projectors committed some 270 times a second.
      autoCommitInterval: 5_000,
      partitionsConsumedConcurrently: this.deps.partitionsConcurrently ?? 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.halt.pause();
    this.watchTimer = setInterval(() => void this.watch(), this.deps.watchIntervalMs ?? 2000);
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

  /** What /readyz reports (with the database check): running, not crashed, not stopped on the log. */
  readiness(): Readiness {
    if (!this.running) return { ready: false, reason: 'not running' };
    if (this.crashed) return { ready: false, reason: `consumer crashed: ${this.crashed.message}` };
    const fault = this.halt.fault ?? this.applier.stuck;
    if (fault) return { ready: false, reason: fault.message, fix: fault.fix, since: fault.since };
    return { ready: true };
  }

  /** The fault that stops this runner, if any. */
  get fault(): ProjectionFault | undefined {
    return this.halt.fault;
  }

  /** The generation this runner writes to. */
  get version(): number | undefined {
    return this.snapshot?.version;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    await this.positioning;
    if (!payload.isRunning() || payload.isStale() || batch.isEmpty() || !this.snapshot || this.halt.fault)
      return;
    const partition = batch.partition;
    const cursor = this.cursorOf(partition);
    const low = this.logState?.partitions.get(partition)?.low ?? '0';
    const decision = decideBatch(cursor, batch.messages, low, partition);
    if (decision.kind === 'seek') {
      this.cursors.set(partition, { ...cursor, lastSeekBack: decision.to });
      return this.seek(partition, decision.to);
    }
    if (decision.kind === 'halt') return this.halt.stopOn(this.snapshot, [decision.discontinuity]);
    this.cursors.set(partition, { ...cursor, verified: decision.verified, lastSeekBack: undefined });
    const messages = batch.messages.filter((m) => !isBefore(m.offset, decision.from));
    if (messages.length === 0) return;
    const started = this.deps.now();
    // Heartbeat while the batch is applied, so a long transaction does not cost the group membership.
    const keepAlive = setInterval(() => void payload.heartbeat().catch(() => undefined), KEEP_ALIVE_MS);
    const outcome = await this.applier
      .apply(payload, partition, messages, this.snapshot)
      .finally(() => clearInterval(keepAlive));
    if (outcome.kind === 'stale-generation') return this.reposition('generation-changed');
    if (outcome.kind === 'offset-moved') return this.reposition('offset-moved');
    if (outcome.kind === 'stopped') return;
    this.metrics.batchSize.labels(this.deps.projection.name).observe(messages.length);
    this.metrics.batchDuration.labels(this.deps.projection.name).observe((this.deps.now() - started) / 1000);
    this.updateLag(partition, batch.highWatermark);
    payload.resolveOffset(messages.at(-1)!.offset);
    await payload.commitOffsetsIfNecessary().catch((error: unknown) => {
      this.log.warn(
        { err: errorSummary(error), partition },
        'kafka offset commit failed (informational only)',
      );
    });
  }

  private onAssigned(partitions: number[]): void {
    this.assigned = [...partitions];
    this.halt.pause();
    // Seek at once with what is known (before kafkajs fetches), then reload and seek again.
    for (const partition of partitions) this.seek(partition, this.resumeOffsetOf(partition));
    void this.reposition('assignment');
  }

  /** Reloads and re-verifies the positions, then seeks every assigned partition. Serialised; never rejects. */
  private reposition(reason: string): Promise<void> {
    this.positioning = this.positioning.then(async () => {
      for (let attempt = 1; this.running; attempt += 1) {
        try {
          await this.applyLoaded(await this.load());
          break;
        } catch (error) {
          this.log.warn({ err: errorSummary(error), attempt }, 'reloading stored offsets failed, retrying');
          await sleep(backoffDelay(attempt), this.stopping.signal);
        }
      }
      if (!this.running) return;
      try {
        for (const partition of this.assigned) this.seek(partition, this.resumeOffsetOf(partition));
      } catch (error) {
        // The consumer is leaving its group (shutdown or rebalance): the next assignment seeks again.
        this.log.info({ err: errorSummary(error) }, 're-seek skipped');
      }
      this.metrics.reseeks.labels(this.deps.projection.name, reason).inc();
      const { version, epoch } = this.snapshot ?? {};
      this.log.info({ reason, version, epoch, partitions: this.assigned }, 're-positioned on stored offsets');
    });
    return this.positioning;
  }

  private load(): Promise<LoadedPosition> {
    const { db, projection, rawTopic, target } = this.deps;
    return loadPosition(db, this.admin!, { projection: projection.name, topic: rawTopic, runner: target });
  }

  /** Takes over loaded positions; stops on what cannot be continued, resumes when all is well again. */
  private async applyLoaded(loaded: LoadedPosition): Promise<void> {
    this.snapshot = loaded.snapshot;
    this.partial = loaded.partial;
    this.logState = loaded.log;
    this.cursors = new Map(
      [...loaded.stored].map(([partition, s]) => [
        partition,
        {
          next: s.nextOffset,
          anchor: s.anchor,
          verified: false,
          lastSeekBack: undefined,
          lastEventAt: s.lastEventAt,
        },
      ]),
    );
    if (loaded.discontinuities.length > 0) return this.halt.stopOn(loaded.snapshot, loaded.discontinuities);
    if (loaded.faults.length > 0) return this.halt.stopOnRecorded(loaded.faults[0]!);
    this.halt.release();
  }

  private cursorOf(partition: number): Cursor {
    const none = {
      next: undefined,
      anchor: null,
      verified: true,
      lastSeekBack: undefined,
      lastEventAt: null,
    };
    return this.cursors.get(partition) ?? none;
  }

  /** Where the consumer reads from: the stored next offset, or the last applied record to verify it first. */
  private resumeOffsetOf(partition: number): string {
    const cursor = this.cursorOf(partition);
    const low = this.logState?.partitions.get(partition)?.low ?? '0';
    if (cursor.next === undefined) return low;
    if (cursor.verified || cursor.anchor === null || cursor.next === '0') return cursor.next;
    const anchorOffset = (BigInt(cursor.next) - 1n).toString();
    return isBefore(anchorOffset, low) ? cursor.next : anchorOffset;
  }

  private seek(partition: number, offset: string): void {
    this.consumer?.seek({ topic: this.deps.rawTopic, partition, offset });
  }

  /** Periodic: follow epoch changes, re-check the log (and faults found by other instances), refresh lag. */
  private async watch(): Promise<void> {
    if (this.watching || !this.running || !this.snapshot) return;
    this.watching = true;
    try {
      const { db, projection, rawTopic, target } = this.deps;
      if (target.kind === 'live') {
        const live = await readLiveGeneration(db, projection.name);
        if (live && (live.version !== this.snapshot.version || live.epoch !== this.snapshot.epoch)) {
          await this.reposition('epoch-changed');
          return;
        }
      }
      // Stored positions first, the log's end after: the end only grows, so a batch committed
      // meanwhile cannot look like a position past it (read the other way round, it did).
      const stored = await readStoredOffsets(db, projection.name, this.snapshot.version, rawTopic);
      this.logState = await readLogState(this.admin!, rawTopic);
      await this.recheck(stored);
      for (const [partition, marks] of this.logState.partitions)
        if (this.assigned.includes(partition)) this.updateLag(partition, marks.high);
    } catch (error) {
      this.log.warn({ err: errorSummary(error) }, 'epoch/log check failed');
    } finally {
      this.watching = false;
    }
  }

  /** Re-checks the log over all partitions; re-positions and resumes once it can be continued again. */
  private async recheck(stored: ReadonlyMap<number, StoredOffset>): Promise<void> {
    const outcome = await this.halt.recheck(this.snapshot!, stored, this.logState!, this.partial);
    if (outcome === 'continued') await this.reposition('log-continued');
  }

  private updateLag(partition: number, high: string): void {
    const low = this.logState?.partitions.get(partition)?.low ?? '0';
    const behind = lagMessages(high, this.cursorOf(partition).next ?? low);
    const label = [this.deps.projection.name, String(partition)] as const;
    this.metrics.lagMessages.labels(...label).set(behind);
    this.metrics.lagSeconds
      .labels(...label)
      .set(lagSeconds(this.deps.now(), this.cursorOf(partition).lastEventAt, behind));
  }

  private onCrash(error: Error, restart: boolean): void {
    // A crash while stopping is not restarted (restartUnlessStopped) and is no failure.
    if (!this.running)
      return void this.log.debug({ err: errorSummary(error) }, 'consumer crashed while stopping');
    const level = consumerCrashLevel(error.message, restart, this.deps.now() - this.startedAt);
    this.log[level]({ err: errorSummary(error), restart }, 'consumer crashed');
    if (restart) return;
    this.crashed = error;
    this.deps.onCrash?.(error);
  }
}
