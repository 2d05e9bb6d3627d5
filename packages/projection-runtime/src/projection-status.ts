import type { Admin } from 'kafkajs';
import type { Kysely } from 'kysely';
import { readLiveGeneration, type ProjectionName, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { describeDiscontinuities } from './discontinuity-report.js';
import { readLogState, readPartialReason, readStoredOffsets } from './position-protocol.js';
import { checkContinuity, lagMessages, type StoredOffset, type Watermarks } from './position-rules.js';
import { readActiveFaults, type ProjectionFault } from './projection-faults.js';

export interface PartitionStatus {
  readonly partition: number;
  /** Stored next offset; null when nothing was applied yet (the runner starts at `low`). */
  readonly nextOffset: string | null;
  readonly low: string;
  readonly high: string;
  readonly lag: number;
  readonly lastEventAt: Date | null;
}

/** Something that stops or holds up a projection, what it means and what to do. */
export type ProjectionProblem = Reported<ProjectionFault>;

/** A fault as reported: `since` is when a projector first reported it, null when only a status check found it. */
type Reported<F> = F extends unknown ? Omit<F, 'since'> & { readonly since: Date | null } : never;

export interface ProjectionStatus {
  readonly projection: ProjectionName;
  /** Undefined before any service or CLI ensured the live generation. */
  readonly liveVersion: number | undefined;
  readonly epoch: string | undefined;
  /** Why the live generation lacks part of the log; null when it holds all of it. */
  readonly partial: string | null;
  readonly clusterId: string;
  readonly partitions: PartitionStatus[];
  readonly lag: number;
  readonly lastEventAt: Date | null;
  /** Dead letters of the live generation not yet replayed. */
  readonly deadLetters: number;
  /** Empty when the projection can do its work. */
  readonly problems: ProjectionProblem[];
}

/** Joins stored offsets with the log bounds, partition by partition. Pure. */
export function computePartitionStatus(
  stored: ReadonlyMap<number, StoredOffset>,
  watermarks: ReadonlyMap<number, Watermarks>,
): PartitionStatus[] {
  return [...watermarks]
    .sort(([a], [b]) => a - b)
    .map(([partition, { low, high }]) => {
      const s = stored.get(partition);
      return {
        partition,
        nextOffset: s?.nextOffset ?? null,
        low,
        high,
        lag: lagMessages(high, s?.nextOffset ?? low),
        lastEventAt: s?.lastEventAt ?? null,
      };
    });
}

/**
 * The state of one projection's live generation against the raw topic, including whether its
 * stored position can be continued (the projector's recorded fault, or the same check run here,
 * so that a stopped or not yet started projector is reported too).
 */
export async function readProjectionStatus(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  projection: ProjectionName,
  topic: string,
): Promise<ProjectionStatus> {
  const live = await readLiveGeneration(db, projection);
  const log = await readLogState(admin, topic);
  const stored = live
    ? await readStoredOffsets(db, projection, live.version, topic)
    : new Map<number, StoredOffset>();
  const partial = live ? await readPartialReason(db, projection, live.version) : null;
  const partitions = computePartitionStatus(stored, log.partitions);
  const deadLetters = live ? await countOpenDeadLetters(db, projection, live.version) : 0;
  const times = partitions.map((p) => p.lastEventAt).filter((t): t is Date => t !== null);
  const recorded = live ? await readActiveFaults(db, projection, live.version, live.epoch) : [];
  const found = live ? checkContinuity(stored, log, { partial: partial !== null }) : [];
  const problems: ProjectionProblem[] =
    recorded.length > 0
      ? recorded.map((f) => ({ ...f, since: f.since }))
      : found.length > 0
        ? [
            {
              kind: 'log-discontinuity',
              ...describeDiscontinuities(projection, found),
              since: null,
              detail: found,
            },
          ]
        : [];
  return {
    projection,
    liveVersion: live?.version,
    epoch: live?.epoch,
    partial,
    clusterId: log.clusterId,
    partitions,
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    lastEventAt: times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null,
    deadLetters,
    problems,
  };
}

/** Dead letters of one generation that have not been replayed yet. */
export async function countOpenDeadLetters(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<number> {
  const { count } = await db
    .selectFrom('read_model.dead_letters')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('replayed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(count);
}
