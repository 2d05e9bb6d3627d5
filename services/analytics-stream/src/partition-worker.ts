// Exactly once from one raw partition to the typed topics. Invariants:
// 1. One transactional producer per raw partition, id `<prefix>-<raw topic>-<partition>`. Opening
//    a worker initialises that id first, which fences every earlier producer of the partition
//    (another instance after a rebalance, or a process that was killed) and aborts its open
//    transaction; only then is the group's committed offset read, so it is final.
// 2. A transaction carries the typed records of raw offsets [a, b] and commits the group offset
//    b + 1 with sendOffsets. The committed offset C therefore says exactly which raw records have
//    their typed records in Kafka: those below C. Typed records of aborted transactions are
//    never visible to read_committed consumers.
// 3. The worker's state (dedup set, per-entity folds) is a pure function of the raw records
//    applied to it (partition-state.ts). A new worker replays the partition from its first
//    offset: records below C rebuild the state without output, records from C on are published.
//    So after any crash the state equals the one the committed records were computed from, and
//    each webhook id seen below C stays deduplicated: no loss, no second record.
// 4. State changes are applied as records are read. If a transaction fails, the worker is
//    discarded (never reused): the next batch opens a new one, which re-fences and rebuilds.
// 5. Within a partition, records are published in raw-offset order (one transaction at a time,
//    sends in order, idempotent producer), and every entity's raw events share a raw partition
//    (the gateway keys by entity), so each entity's typed records follow its raw order.
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { isTransient } from '@allo-pipeline/projection-runtime';
import { RawRecordDecodeError, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import type { TypedTopics } from './config.js';
import {
  applyRawRecord,
  createPartitionState,
  type PartitionState,
  type SkipReason,
} from './partition-state.js';
import type { StreamMetrics } from './stream-metrics.js';
import type { TypedCodec } from './typed-codec.js';

export interface RawDecoder {
  decode(value: Buffer | null): Promise<RawWebhookRecord>;
}

export interface PartitionWorkerDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly rawCodec: RawDecoder;
  readonly typedCodec: TypedCodec;
  readonly rawTopic: string;
  readonly typedTopics: TypedTopics;
  readonly groupId: string;
  readonly transactionalIdPrefix: string;
  readonly transactionTimeoutMs: number;
  /** Largest value bytes sent in one produce request (stays under the topics' max.message.bytes). */
  readonly maxRequestBytes: number;
  /** Chaos testing only: a pause before each commit (config.commitDelayMs). */
  readonly commitDelayMs: number;
  readonly metrics: StreamMetrics;
  readonly logger: Logger;
}

/** What one call of process() did. */
export interface ProcessResult {
  readonly restored: number;
  readonly published: number;
}

export class PartitionWorker {
  private readonly state: PartitionState = createPartitionState();
  private failed = false;

  private constructor(
    private readonly deps: PartitionWorkerDeps,
    readonly partition: number,
    private readonly producer: Producer,
    /** Raw offsets below this have their typed records committed. */
    private committed: bigint,
    /** The next raw offset to apply to the state; starts at the partition's first offset. */
    private next: bigint,
  ) {}

  /** Fences earlier producers of the partition, then reads where its committed output ends. */
  static async open(deps: PartitionWorkerDeps, partition: number): Promise<PartitionWorker> {
    const transactionalId = `${deps.transactionalIdPrefix}-${deps.rawTopic}-${partition}`;
    const producer = deps.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: deps.transactionTimeoutMs,
    });
    try {
      await producer.connect();
      // The first transaction() sends InitProducerId: this is the fence (invariant 1).
      await (await producer.transaction()).abort();
      const [committed, low] = await Promise.all([
        committedOffset(deps.admin, deps.groupId, deps.rawTopic, partition),
        firstOffset(deps.admin, deps.rawTopic, partition),
      ]);
      if (low > 0n)
        deps.logger.warn(
          { partition, low: String(low) },
          'raw partition no longer starts at offset 0: deduplication covers the records still in the log only',
        );
      const worker = new PartitionWorker(deps, partition, producer, committed ?? low, low);
      deps.logger.info(
        { partition, committed: String(worker.committed), from: String(low) },
        'partition worker opened',
      );
      return worker;
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** The raw offset the consumer must read from for this worker. */
  get nextOffset(): string {
    return String(this.next);
  }

  /**
   * Applies the messages at or after nextOffset (in offset order): below the committed offset
   * they only rebuild state; from it on their typed records and the new group offset are
   * committed in one transaction. Throws (and marks the worker unusable) if that fails.
   */
  async process(messages: readonly KafkaMessage[], heartbeat: () => Promise<void>): Promise<ProcessResult> {
    if (this.failed) throw new Error(`partition worker ${this.partition} is no longer usable`);
    const batch: LiveBatch = { outputs: [], skipped: new Map(), records: 0, last: undefined };
    let restored = 0;
    let beat = Date.now();
    try {
      for (const message of messages) {
        const offset = BigInt(message.offset);
        if (offset < this.next) continue;
        const output = await this.apply(message);
        this.next = offset + 1n;
        if (offset < this.committed) restored += 1;
        else {
          batch.records += 1;
          batch.last = offset;
          if (typeof output === 'string') batch.skipped.set(output, (batch.skipped.get(output) ?? 0) + 1);
          else batch.outputs.push(output);
        }
        if (Date.now() - beat > 1_000) {
          beat = Date.now();
          await heartbeat();
        }
      }
      this.deps.metrics.restored.inc(restored);
      if (batch.last === undefined) return { restored, published: 0 };
      await this.commit(batch, batch.last + 1n);
      this.committed = batch.last + 1n;
      return { restored, published: batch.outputs.length };
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.failed = true;
    await this.producer.disconnect();
  }

  /** The typed record a raw message yields, or why it yields none. */
  private async apply(message: KafkaMessage): Promise<Output | SkipReason | 'undecodable'> {
    const record = await decode(this.deps.rawCodec, message.value);
    if (record === undefined) return 'undecodable';
    const output = applyRawRecord(this.state, record);
    if (output.kind === 'skip') return output.reason;
    // Restored records are not published: encoding them would be wasted work.
    if (BigInt(message.offset) < this.committed) return { topic: '', message: { value: null } };
    const value = await this.deps.typedCodec.encode(output.entity, output.value);
    return { topic: this.deps.typedTopics[output.entity], message: { key: output.key, value } };
  }

  private async commit(batch: LiveBatch, nextOffset: bigint): Promise<void> {
    const { metrics, groupId, rawTopic } = this.deps;
    const transaction = await this.producer.transaction();
    try {
      for (const chunk of chunks(batch.outputs, this.deps.maxRequestBytes))
        await transaction.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          { topic: rawTopic, partitions: [{ partition: this.partition, offset: String(nextOffset) }] },
        ],
      });
      if (this.deps.commitDelayMs > 0) await new Promise((r) => setTimeout(r, this.deps.commitDelayMs));
      await transaction.commit();
    } catch (error) {
      metrics.transactions.labels('aborted').inc();
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    // Counted once committed, so a retried batch is not counted twice.
    metrics.transactions.labels('committed').inc();
    metrics.recordsIn.inc(batch.records);
    for (const { topic } of batch.outputs) metrics.recordsOut.labels(topic).inc();
    for (const [reason, count] of batch.skipped) metrics.skipped.labels(reason).inc(count);
  }
}

type Output = { topic: string; message: Message };

/** The live part of one process() call: what its transaction publishes and counts. */
interface LiveBatch {
  outputs: Output[];
  skipped: Map<SkipReason | 'undecodable', number>;
  records: number;
  last: bigint | undefined;
}

/** Decodes a raw value; undefined when it is not a raw record (skipped), throws on a registry outage. */
async function decode(codec: RawDecoder, value: Buffer | null): Promise<RawWebhookRecord | undefined> {
  try {
    return await codec.decode(value);
  } catch (error) {
    if (error instanceof RawRecordDecodeError && !isTransient(error.cause)) return undefined;
    throw error;
  }
}

async function committedOffset(admin: Admin, groupId: string, topic: string, partition: number) {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const found = offsets?.partitions.find((p) => p.partition === partition)?.offset;
  return found === undefined || found === '-1' ? undefined : BigInt(found);
}

async function firstOffset(admin: Admin, topic: string, partition: number): Promise<bigint> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return BigInt(offsets.find((o) => o.partition === partition)?.low ?? '0');
}

function* chunks<T extends { message: Message }>(items: readonly T[], maxBytes: number): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = (item.message.value as Buffer).length + 64;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function byTopic(items: ReadonlyArray<{ topic: string; message: Message }>) {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of items) {
    const messages = topics.get(topic) ?? [];
    messages.push(message);
    topics.set(topic, messages);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
