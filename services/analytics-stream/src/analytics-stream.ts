import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { errorSummary } from '@allo-pipeline/projection-runtime';
import {
  consumerCrashLevel,
  rawTopicFetchSizes,
  restartUnlessStopped,
} from '@allo-pipeline/raw-webhook-record';
import type { TypedTopics } from './config.js';
import { PartitionWorker, type RawDecoder } from './partition-worker.js';
import type { StreamMetrics } from './stream-metrics.js';
import type { TypedCodec } from './typed-codec.js';

/** How many raw partitions are processed at once (one transaction each). */
const PARTITIONS_IN_FLIGHT = 3;

export interface AnalyticsStreamDeps {
  readonly kafka: Kafka;
  readonly rawCodec: RawDecoder;
  readonly typedCodec: TypedCodec;
  readonly rawTopic: string;
  readonly typedTopics: TypedTopics;
  readonly groupId: string;
  readonly transactionalIdPrefix: string;
  readonly transactionTimeoutMs: number;
  /** The typed topics' max.message.bytes: produce requests stay below half of it. */
  readonly typedMaxMessageBytes: number;
  readonly commitDelayMs: number;
  readonly metrics: StreamMetrics;
  readonly logger: Logger;
  /** kafkajs consumer options (session timeout, heartbeats, fetch sizes in benches). */
  readonly consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  /** Called when the consumer crashed for good (kafkajs will not restart it). */
  readonly onCrash?: (error: Error) => void;
}

/**
 * Consumes the raw topic in its own consumer group and hands each partition's batches to that
 * partition's PartitionWorker (partition-worker.ts states the exactly-once protocol). Kafka's
 * offsets are never committed by the consumer itself: only transactions commit them. Every
 * assignment starts over with new workers, so a partition that moved away and came back is
 * re-fenced and rebuilt rather than trusted.
 */
export class AnalyticsStream {
  private readonly log: Logger;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private workers = new Map<number, Promise<PartitionWorker>>();
  private positioned = new WeakSet<PartitionWorker>();
  private running = false;
  private crashed: Error | undefined;
  private startedAt = 0;

  constructor(private readonly deps: AnalyticsStreamDeps) {
    this.log = deps.logger.child({ groupId: deps.groupId });
  }

  /** Connects and starts consuming; throws if Kafka is unreachable. */
  async start(): Promise<void> {
    const { kafka, rawTopic, groupId } = this.deps;
    this.startedAt = Date.now();
    this.admin = kafka.admin();
    await this.admin.connect();
    const fetchSizes = await rawTopicFetchSizes(this.admin, rawTopic);
    // read_committed is kafkajs's default; the raw topic is not transactional, but say it anyway.
    const consumer = kafka.consumer({
      ...fetchSizes,
      ...this.deps.consumer,
      retry: restartUnlessStopped(this.deps.consumer?.retry, () => this.running),
      groupId,
      readUncommitted: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.onAssigned(payload.memberAssignment[rawTopic] ?? []),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topic: rawTopic, fromBeginning: true });
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions have their own producers and state, so their transactions may overlap.
      partitionsConsumedConcurrently: PARTITIONS_IN_FLIGHT,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.log.info({ rawTopic, typedTopics: this.deps.typedTopics }, 'analytics stream started');
  }

  /** Stops consuming (an in-flight transaction commits or is aborted by the next owner) and disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect();
    await this.closeWorkers(this.workers);
    await this.admin?.disconnect();
    this.log.info('analytics stream stopped');
  }

  /** Whether the stream consumes (for /readyz). */
  readiness(): { ready: true } | { ready: false; reason: string } {
    if (!this.running) return { ready: false, reason: 'not running' };
    if (this.crashed) return { ready: false, reason: `consumer crashed: ${this.crashed.message}` };
    return { ready: true };
  }

  private onAssigned(partitions: number[]): void {
    const previous = this.workers;
    this.workers = new Map();
    void this.closeWorkers(previous);
    // Open (and so fence) every assigned partition at once, even one that has nothing new to read:
    // a killed process's open transaction is aborted now rather than at its timeout.
    for (const partition of partitions) this.workers.set(partition, this.open(partition));
    this.log.info({ partitions }, 'raw partitions assigned');
  }

  private open(partition: number): Promise<PartitionWorker> {
    const { kafka, rawCodec, typedCodec, rawTopic, typedTopics, groupId, metrics } = this.deps;
    const { transactionalIdPrefix, transactionTimeoutMs, typedMaxMessageBytes, commitDelayMs } = this.deps;
    const pending = PartitionWorker.open(
      {
        kafka,
        admin: this.admin!,
        rawCodec,
        typedCodec,
        rawTopic,
        typedTopics,
        groupId,
        transactionalIdPrefix,
        transactionTimeoutMs,
        maxRequestBytes: Math.floor(typedMaxMessageBytes / 2),
        commitDelayMs,
        metrics,
        logger: this.log,
      },
      partition,
    );
    // A failed open is retried by the next batch of the partition.
    pending.catch((error: unknown) => {
      if (this.workers.get(partition) === pending) this.workers.delete(partition);
      this.log.warn({ err: errorSummary(error), partition }, 'opening the partition worker failed');
    });
    return pending;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || batch.isEmpty()) return;
    const { partition } = batch;
    const pending = this.workers.get(partition) ?? this.open(partition);
    this.workers.set(partition, pending);
    const worker = await pending;
    // A new worker rebuilds from the partition's start: move the fetch there once.
    if (!this.positioned.has(worker)) {
      this.positioned.add(worker);
      if (batch.firstOffset() !== worker.nextOffset) {
        this.consumer!.seek({ topic: this.deps.rawTopic, partition, offset: worker.nextOffset });
        return;
      }
    }
    try {
      await worker.process(batch.messages, () => payload.heartbeat());
    } catch (error) {
      if (this.workers.get(partition) === pending) this.workers.delete(partition);
      void worker.close().catch(() => undefined);
      this.log.warn(
        { err: errorSummary(error), partition },
        'batch failed; the partition is re-fenced and rebuilt',
      );
      throw error;
    }
    payload.resolveOffset(batch.lastOffset());
    this.deps.metrics.lag
      .labels(String(partition))
      .set(Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1));
    await payload.heartbeat();
  }

  private async closeWorkers(workers: Map<number, Promise<PartitionWorker>>): Promise<void> {
    await Promise.all(
      [...workers.values()].map(async (pending) => {
        const worker = await pending.catch(() => undefined);
        await worker?.close().catch(() => undefined);
      }),
    );
  }

  private onCrash(error: Error, restart: boolean): void {
    // A crash while stopping is not restarted (restartUnlessStopped) and is no failure.
    if (!this.running)
      return void this.log.debug({ err: errorSummary(error) }, 'consumer crashed while stopping');
    const level = consumerCrashLevel(error.message, restart, Date.now() - this.startedAt);
    this.log[level]({ err: errorSummary(error), restart }, 'consumer crashed');
    if (restart) return;
    this.crashed = error;
    this.deps.onCrash?.(error);
  }
}
