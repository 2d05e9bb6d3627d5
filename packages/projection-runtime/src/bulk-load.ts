import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { CopyValueError, type BulkLoad, type Projection } from '@allo-pipeline/projections';
import { rawTopicFetchSizes } from '@allo-pipeline/raw-webhook-record';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { backoffDelay, sleep } from './backoff.js';
import { classifyFailure, describeFailure } from './batch-failure.js';
import { insertDeadLetters } from './commit-batch.js';
import { decodeMessages, RegistryUnavailableError, type RawRecordDecoder } from './decode-messages.js';
import { describeDiscontinuities } from './discontinuity-report.js';
import { errorSummary } from './error-summary.js';
import { CopyFailedError, PgBulkSession } from './pg-bulk-session.js';
import { classifyMessage, toDeadLetter, type DeadLetterDraft } from './plan-batch.js';
import { commitBulkPositions, readLogState, type BulkAdvance } from './position-protocol.js';
import {
  decideBatch,
  isBefore,
  nextOffsetAfter,
  recordFingerprint,
  type LogState,
  type PartitionCursor,
} from './position-rules.js';

// The bulk path of a rebuild: loads a seeded, empty generation from the log in one pass, faster
// than the live path can (no per-batch transactions, COPY into unindexed tables, each entity
// folded once), then hands over to the ordinary runner at the loaded positions.
//
// Invariants
// 1. The result is the live path's: every record from the seeded start up to the high watermark
//    sampled at the start is read in offset order per partition, decided by decideBatch (so a
//    gap or deleted records stop the load as they stop a runner), and judged by classifyMessage;
//    what is applied goes through the projection's bulkLoad (the projection's own row and fold
//    functions); what is dead-lettered is recorded with toDeadLetter and the live path's error
//    texts, including `apply failed: …` for an event the projection throws on.
// 2. Positions move once, at the end, in one transaction (commitBulkPositions), to each
//    partition's last loaded record + 1 with its fingerprint and the newest applied event time:
//    what the live path stores after the same records. Until then the seed stays stored.
// 3. A load that fails for a reason the live path would survive (an error that is neither the
//    log's nor transient) is undone (tables emptied, dead letters of the generation deleted,
//    indexes rebuilt) and reported as `fell-back`: the caller's runner then builds the
//    generation from its seed the ordinary way. A log that cannot be read on, or an outage,
//    is thrown after the same undo.
// 4. Memory stays bounded: one fetch per partition in flight, the projection's dedup set, and
//    COPY buffers of a few hundred kilobytes.

/** What reading the raw log into a generation needs: the bulk load, and the rebuilds that run it. */
export interface BulkLoadSources {
  readonly db: Kysely<ReadModelDatabase>;
  /** The read-model database, for the load's own connections (COPY needs a raw client). */
  readonly databaseUrl: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly codec: RawRecordDecoder;
  readonly rawTopic: string;
  readonly logger: Logger;
  readonly consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
}

export interface BulkLoadDeps extends BulkLoadSources {
  /** Consumer group of the load (never commits offsets). */
  readonly groupId: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BulkLoadTarget {
  readonly projection: Projection;
  readonly version: number;
  /** The seeded start of every partition (what is stored now). */
  readonly start: ReadonlyMap<number, string>;
  /** An in-place rebuild of the live generation: start a new epoch with the positions. */
  readonly bumpEpoch: boolean;
}

export type BulkLoadOutcome =
  | { kind: 'loaded'; records: number; deadLetters: number; positions: Map<number, string> }
  | { kind: 'fell-back'; error: string };

/** The log stopped the load (records deleted or replaced since the seed). */
export class BulkLoadStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BulkLoadStoppedError';
  }
}

/**
 * Bytes one fetch may bring: every byte fetched is decoded by kafkajs into message objects that
 * stay alive until the whole fetch is processed (measured: a 10 MB fetch holds ~100 MB of heap),
 * so fetches are kept small; a partition fetch still holds the largest record the topic allows.
 */
const FETCH_BYTES = 4 * 1024 * 1024;
/** Messages decoded at a time: their decoded records die young (a whole fetch decoded at once grew the heap). */
const DECODE_SLICE = 256;
const DEAD_LETTER_CHUNK = 500;

interface PartitionState {
  cursor: PartitionCursor;
  readonly goal: string;
  lastEventAt: Date | null;
  done: boolean;
}

/** Loads `target`'s generation from the log (see the invariants above). */
export async function bulkLoadGeneration(
  deps: BulkLoadDeps,
  target: BulkLoadTarget,
): Promise<BulkLoadOutcome> {
  const { projection, version } = target;
  const log = await readLogState(deps.admin, deps.rawTopic);
  const partitions = new Map<number, PartitionState>();
  for (const [p, marks] of log.partitions) {
    const from = target.start.get(p) ?? marks.low;
    if (!isBefore(from, marks.high)) continue;
    partitions.set(p, {
      cursor: { next: from, anchor: null, verified: true, lastSeekBack: undefined },
      goal: marks.high,
      lastEventAt: null,
      done: false,
    });
  }
  const session = await PgBulkSession.open(deps.db, deps.databaseUrl, projection.name, version);
  const load = projection.bulkLoad(session);
  const deadLetters = { count: 0 };
  try {
    const started = performance.now();
    const records = await readLog(deps, target, log, partitions, load, deadLetters);
    const read = performance.now();
    await load.finish();
    await session.restoreAll();
    const finished = performance.now();
    const advances: BulkAdvance[] = [...partitions].map(([partition, s]) => ({
      partition,
      from: target.start.get(partition) ?? '0',
      nextOffset: s.cursor.next!,
      anchor: s.cursor.anchor!,
      lastEventAt: s.lastEventAt,
    }));
    await commitBulkPositions(
      deps.db,
      { projection: projection.name, version, topic: deps.rawTopic, clusterId: log.clusterId },
      advances.filter((a) => a.nextOffset !== a.from),
      { bumpEpoch: target.bumpEpoch },
    );
    const ms = (from: number, to = performance.now()) => Math.round(to - from);
    deps.logger.info(
      {
        projection: projection.name,
        version,
        records,
        readMs: ms(started, read),
        finishMs: ms(read, finished),
        commitMs: ms(finished),
      },
      'bulk load phases',
    );
    const positions = new Map([...partitions].map(([p, s]) => [p, s.cursor.next!]));
    return { kind: 'loaded', records, deadLetters: deadLetters.count, positions };
  } catch (error) {
    await undo(deps, target, session);
    const cause = error instanceof CopyFailedError ? error.cause : error;
    if (error instanceof BulkLoadStoppedError || classifyFailure(cause) === 'transient') throw error;
    deps.logger.warn(
      { err: errorSummary(error), projection: projection.name, version },
      'bulk load failed; the generation is rebuilt the ordinary way',
    );
    return { kind: 'fell-back', error: describeFailure(error) };
  } finally {
    await session.close();
  }
}

/** Back to the seeded, empty generation (invariant 3). */
async function undo(deps: BulkLoadDeps, target: BulkLoadTarget, session: PgBulkSession): Promise<void> {
  await session.truncateAll();
  await deps.db
    .deleteFrom('read_model.dead_letters')
    .where('projection', '=', target.projection.name)
    .where('version', '=', target.version)
    .where('topic', '=', deps.rawTopic)
    .execute();
}

/** Reads every partition from its start to its goal into `load`; returns the records read. */
async function readLog(
  deps: BulkLoadDeps,
  target: BulkLoadTarget,
  log: LogState,
  partitions: Map<number, PartitionState>,
  load: BulkLoad,
  deadLetters: { count: number },
): Promise<number> {
  if (partitions.size === 0) return 0;
  const sizes = await rawTopicFetchSizes(deps.admin, deps.rawTopic);
  const consumer = deps.kafka.consumer({
    maxBytesPerPartition: sizes.maxBytesPerPartition,
    maxBytes: Math.max(sizes.maxBytesPerPartition, FETCH_BYTES),
    ...deps.consumer,
    groupId: deps.groupId,
  });
  const reader = new BulkLogReader(
    consumer,
    { deps, projection: target.projection, load, deadLetters: [] },
    {
      version: target.version,
      log,
      partitions,
    },
  );
  const records = await reader.read();
  deadLetters.count += reader.deadLettersWritten;
  return records;
}

/**
 * One pass of a consumer over the partitions to load (a lifecycle, hence a class): seeks each to
 * its start on assignment, applies fetched batches in offset order (decideBatch first), pauses a
 * partition once it reaches its goal, and stops at the first failure.
 */
class BulkLogReader {
  records = 0;
  deadLettersWritten = 0;
  private failure: Error | undefined;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));
  private readonly total: number;

  constructor(
    private readonly consumer: Consumer,
    private readonly context: LoadContext,
    private readonly plan: {
      readonly version: number;
      readonly log: LogState;
      readonly partitions: Map<number, PartitionState>;
    },
  ) {
    this.total = [...plan.partitions.values()].reduce(
      (sum, s) => sum + Number(BigInt(s.goal) - BigInt(s.cursor.next!)),
      0,
    );
  }

  async read(): Promise<number> {
    const { consumer } = this;
    const topic = this.context.deps.rawTopic;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.onAssigned(payload.memberAssignment[topic] ?? []),
    );
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
      await this.finished;
    } finally {
      await consumer.disconnect();
    }
    if (this.failure !== undefined) throw this.failure;
    await this.flushDeadLetters();
    return this.records;
  }

  private onAssigned(assigned: number[]): void {
    const topic = this.context.deps.rawTopic;
    for (const partition of assigned) {
      const state = this.plan.partitions.get(partition);
      if (state && !state.done) this.consumer.seek({ topic, partition, offset: state.cursor.next! });
    }
    const idle = assigned.filter((p) => !this.plan.partitions.get(p));
    if (idle.length > 0) this.consumer.pause([{ topic, partitions: idle }]);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const state = this.plan.partitions.get(batch.partition);
    if (this.failure !== undefined || !payload.isRunning() || !state || state.done || batch.isEmpty()) return;
    try {
      await this.apply(batch.partition, batch.messages, state);
      if (this.context.deadLetters.length >= DEAD_LETTER_CHUNK) await this.flushDeadLetters();
      this.context.deps.onProgress?.(this.records, this.total);
      this.pauseDone();
      await payload.heartbeat();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(`bulk load failed: ${JSON.stringify(error)}`));
    }
  }

  private async apply(partition: number, fetched: KafkaMessage[], state: PartitionState): Promise<void> {
    const low = this.plan.log.partitions.get(partition)?.low ?? '0';
    const decision = decideBatch(state.cursor, fetched, low, partition);
    if (decision.kind === 'seek') {
      state.cursor = { ...state.cursor, lastSeekBack: decision.to };
      this.consumer.seek({ topic: this.context.deps.rawTopic, partition, offset: decision.to });
      return;
    }
    if (decision.kind === 'halt') {
      const report = describeDiscontinuities(this.context.projection.name, [decision.discontinuity]);
      throw new BulkLoadStoppedError(report.message);
    }
    const messages = fetched.filter(
      (m) => !isBefore(m.offset, decision.from) && isBefore(m.offset, state.goal),
    );
    await applyMessages(this.context, partition, messages, state);
    state.cursor = { ...state.cursor, verified: decision.verified, lastSeekBack: undefined };
    this.records += messages.length;
    // Done at the goal, or once the log shows a record at or past it (nothing below it is left).
    if (!isBefore(state.cursor.next!, state.goal) || fetched.some((m) => !isBefore(m.offset, state.goal)))
      state.done = true;
  }

  private pauseDone(): void {
    const { partitions } = this.plan;
    const done = [...partitions].filter(([, s]) => s.done).map(([p]) => p);
    if (done.length > 0) this.consumer.pause([{ topic: this.context.deps.rawTopic, partitions: done }]);
    if ([...partitions.values()].every((s) => s.done)) this.finish();
  }

  private async flushDeadLetters(): Promise<void> {
    const { deps, projection, deadLetters } = this.context;
    if (deadLetters.length === 0) return;
    const drafts = deadLetters.splice(0);
    const where = { projection, snapshot: { version: this.plan.version }, topic: deps.rawTopic };
    await insertDeadLetters(deps.db, where, drafts);
    this.deadLettersWritten += drafts.length;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.finish();
  }
}

/** What applying messages needs besides them: the load and where dead letters queue. */
interface LoadContext {
  readonly deps: BulkLoadDeps;
  readonly projection: Projection;
  readonly load: BulkLoad;
  readonly deadLetters: DeadLetterDraft[];
}

/** Decodes, classifies and loads one partition's messages, a slice at a time; moves its cursor past them. */
async function applyMessages(
  context: LoadContext,
  partition: number,
  messages: KafkaMessage[],
  state: PartitionState,
): Promise<void> {
  for (let i = 0; i < messages.length; i += DECODE_SLICE)
    await applySlice(context, partition, messages.slice(i, i + DECODE_SLICE), state);
  const last = messages.at(-1);
  // The anchor is the fingerprint of the last record only (what a batch commit stores).
  if (last)
    state.cursor = { ...state.cursor, next: nextOffsetAfter(last.offset), anchor: recordFingerprint(last) };
}

async function applySlice(
  { deps, projection, load, deadLetters }: LoadContext,
  partition: number,
  messages: KafkaMessage[],
  state: PartitionState,
): Promise<void> {
  for (const { message, decoded } of await decodeRetrying(deps, messages)) {
    const verdict = classifyMessage(projection, decoded);
    if (verdict.kind === 'dead-letter')
      deadLetters.push(toDeadLetter(partition, message, decoded, verdict.error));
    else if (verdict.kind === 'apply') {
      try {
        await load.add(verdict.event);
        const at = verdict.event.occurredAt;
        if (state.lastEventAt === null || at > state.lastEventAt) state.lastEventAt = at;
      } catch (error) {
        // What the live path's isolation does with an event its applyBatch throws on alone.
        if (error instanceof CopyFailedError || error instanceof CopyValueError) throw error;
        if (classifyFailure(error) === 'transient') throw error;
        deadLetters.push(
          toDeadLetter(partition, message, decoded, `apply failed: ${describeFailure(error)}`),
        );
      }
    }
  }
}

/** decodeMessages, retried while the registry is unavailable (as the live path retries a batch). */
async function decodeRetrying(deps: BulkLoadDeps, messages: KafkaMessage[]) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await decodeMessages(deps.codec, messages);
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError) || attempt >= 20) throw error;
      deps.logger.warn(
        { err: errorSummary(error), attempt },
        'registry unavailable during bulk load, retrying',
      );
      await sleep(backoffDelay(attempt));
    }
  }
}
