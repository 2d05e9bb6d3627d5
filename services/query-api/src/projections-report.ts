import kafkajs from 'kafkajs';
import type { Kysely } from 'kysely';
import {
  countOpenDeadLetters,
  lagSeconds,
  readActiveFaults,
  readPartialReason,
  readStoredOffsets,
  type Discontinuity,
  type PartitionStatus,
  type ProjectionProblem,
  type ProjectionStatus,
  type StoredOffset,
} from '@allo-pipeline/projection-runtime';
import {
  PROJECTION_NAMES,
  readLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';

// kafkajs is CommonJS; its error classes are reachable through the default export only.
const { KafkaJSError } = kafkajs;

/** Reads one projection's status against the raw topic (readProjectionStatus with a Kafka admin). */
export type ProjectionStatusReader = (projection: ProjectionName) => Promise<ProjectionStatus>;

export interface PartitionReport {
  partition: number;
  next_offset: string | null;
  low: string | null;
  high: string | null;
  lag_messages: number | null;
  lag_seconds: number | null;
  last_event_at: string | null;
}

export interface ProjectionReport {
  projection: ProjectionName;
  live_version: number | null;
  epoch: string | null;
  lag_messages: number | null;
  lag_seconds: number | null;
  last_event_at: string | null;
  dead_letters: number;
  /** stopped: applies nothing until a problem is fixed; stuck: retrying one batch past the threshold. */
  state: ProjectionState;
  partial: string | null;
  problems: ProblemReport[];
  partitions: PartitionReport[];
}

export type ProjectionState = 'ok' | 'stopped' | 'stuck';

export interface ProblemReport {
  kind: ProjectionProblem['kind'];
  message: string;
  fix: string;
  since: string | null;
  partitions: number[];
  /** Stuck: the first offset of the records that keep failing; else null. */
  offset: string | null;
  /** Stuck: the last error; else null. */
  error: string | null;
}

/** Where the lag figures come from: `not_configured` (no KAFKA_BROKERS) and `unavailable` leave them null. */
export interface KafkaLagSource {
  status: 'ok' | 'not_configured' | 'unavailable';
  message: string | null;
}

export interface ProjectionsReport {
  topic: string;
  kafka: KafkaLagSource;
  data: ProjectionReport[];
}

export interface ProjectionsReportDeps {
  readonly db: Kysely<ReadModelDatabase>;
  readonly readStatus: ProjectionStatusReader | null;
  readonly rawTopic: string;
  readonly now: () => number;
}

/**
 * The state of every projection. With Kafka, lag comes from the log's watermarks; without it (not
 * configured, or a Kafka error) the answer still carries what Postgres knows, with lag null and
 * the reason in `kafka`. Database errors propagate.
 */
export async function readProjectionsReport(deps: ProjectionsReportDeps): Promise<ProjectionsReport> {
  const { readStatus, rawTopic } = deps;
  if (readStatus === null) {
    const data = await Promise.all(PROJECTION_NAMES.map((name) => readWithoutKafka(deps, name)));
    return {
      topic: rawTopic,
      kafka: { status: 'not_configured', message: 'KAFKA_BROKERS is not set' },
      data,
    };
  }
  try {
    const statuses = await Promise.all(PROJECTION_NAMES.map((name) => readStatus(name)));
    return {
      topic: rawTopic,
      kafka: { status: 'ok', message: null },
      data: statuses.map((s) => toReport(s, deps.now())),
    };
  } catch (error) {
    if (!(error instanceof KafkaJSError)) throw error;
    const data = await Promise.all(PROJECTION_NAMES.map((name) => readWithoutKafka(deps, name)));
    return { topic: rawTopic, kafka: { status: 'unavailable', message: error.message }, data };
  }
}

function toReport(status: ProjectionStatus, nowMs: number): ProjectionReport {
  const partitions = status.partitions.map((p) => toPartitionReport(p, nowMs));
  return {
    projection: status.projection,
    live_version: status.liveVersion ?? null,
    epoch: status.epoch ?? null,
    lag_messages: status.lag,
    lag_seconds: Math.max(0, ...partitions.map((p) => p.lag_seconds ?? 0)),
    last_event_at: status.lastEventAt?.toISOString() ?? null,
    dead_letters: status.deadLetters,
    state: stateOf(status.problems),
    partial: status.partial,
    problems: status.problems.map(toProblemReport),
    partitions,
  };
}

function stateOf(problems: ReadonlyArray<Pick<ProjectionProblem, 'kind'>>): ProjectionState {
  if (problems.some((p) => p.kind === 'log-discontinuity')) return 'stopped';
  return problems.length > 0 ? 'stuck' : 'ok';
}

function toProblemReport(problem: ProjectionProblem): ProblemReport {
  const common = { message: problem.message, fix: problem.fix, since: problem.since?.toISOString() ?? null };
  if (problem.kind === 'stuck') {
    const [stuck] = problem.detail;
    return {
      kind: problem.kind,
      ...common,
      partitions: problem.detail.map((d) => d.partition),
      offset: stuck?.fromOffset ?? null,
      error: stuck?.error ?? null,
    };
  }
  const partitions = [...new Set(problem.detail.flatMap(partitionsOf))].sort((a, b) => a - b);
  return { kind: problem.kind, ...common, partitions, offset: null, error: null };
}

function partitionsOf(d: Discontinuity): number[] {
  return d.kind === 'other-cluster' ? d.partitions : [d.partition];
}

function toPartitionReport(p: PartitionStatus, nowMs: number): PartitionReport {
  return {
    partition: p.partition,
    next_offset: p.nextOffset,
    low: p.low,
    high: p.high,
    lag_messages: p.lag,
    lag_seconds: lagSeconds(nowMs, p.lastEventAt, p.lag),
    last_event_at: p.lastEventAt?.toISOString() ?? null,
  };
}

/** What Postgres alone says: live generation, stored offsets, dead letters; no lag. */
async function readWithoutKafka(
  deps: ProjectionsReportDeps,
  projection: ProjectionName,
): Promise<ProjectionReport> {
  const { db } = deps;
  const live = await readLiveGeneration(db, projection);
  const stored = live
    ? await readStoredOffsets(db, projection, live.version, deps.rawTopic)
    : new Map<number, StoredOffset>();
  const deadLetters = live ? await countOpenDeadLetters(db, projection, live.version) : 0;
  // Without Kafka only what a projector recorded is known (the log itself cannot be checked).
  const faults = live ? await readActiveFaults(db, projection, live.version, live.epoch) : [];
  const partial = live ? await readPartialReason(db, projection, live.version) : null;
  const partitions = [...stored.values()]
    .sort((a, b) => a.partition - b.partition)
    .map((s) => ({
      partition: s.partition,
      next_offset: s.nextOffset,
      low: null,
      high: null,
      lag_messages: null,
      lag_seconds: null,
      last_event_at: s.lastEventAt?.toISOString() ?? null,
    }));
  const times = partitions
    .map((p) => p.last_event_at)
    .filter((t): t is string => t !== null)
    .sort();
  return {
    projection,
    live_version: live?.version ?? null,
    epoch: live?.epoch ?? null,
    lag_messages: null,
    lag_seconds: null,
    last_event_at: times[times.length - 1] ?? null,
    dead_letters: deadLetters,
    state: stateOf(faults),
    partial,
    problems: faults.map(toProblemReport),
    partitions,
  };
}
