import type { Admin } from 'kafkajs';
import type { Kysely } from 'kysely';
import { readLiveGeneration, type ProjectionName, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { lagMessages, startOffset } from './offsets.js';
import { fetchWatermarks, readStoredOffsets, type StoredOffset, type Watermarks } from './stored-offsets.js';

export interface PartitionStatus {
  readonly partition: number;
  /** Stored next offset; null when nothing was applied yet (the runner starts at `low`). */
  readonly nextOffset: string | null;
  readonly low: string;
  readonly high: string;
  readonly lag: number;
  readonly lastEventAt: Date | null;
}

export interface ProjectionStatus {
  readonly projection: ProjectionName;
  /** Undefined before any service or CLI ensured the live generation. */
  readonly liveVersion: number | undefined;
  readonly epoch: string | undefined;
  readonly partitions: PartitionStatus[];
  readonly lag: number;
  readonly lastEventAt: Date | null;
  /** Dead letters of the live generation not yet replayed. */
  readonly deadLetters: number;
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
        lag: lagMessages(high, startOffset(s?.nextOffset, low)),
        lastEventAt: s?.lastEventAt ?? null,
      };
    });
}

/** The state of one projection's live generation against the raw topic. */
export async function readProjectionStatus(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  projection: ProjectionName,
  topic: string,
): Promise<ProjectionStatus> {
  const live = await readLiveGeneration(db, projection);
  const watermarks = await fetchWatermarks(admin, topic);
  const stored = live
    ? await readStoredOffsets(db, projection, live.version, topic)
    : new Map<number, StoredOffset>();
  const partitions = computePartitionStatus(stored, watermarks);
  const deadLetters = live ? await countOpenDeadLetters(db, projection, live.version) : 0;
  const times = partitions.map((p) => p.lastEventAt).filter((t): t is Date => t !== null);
  return {
    projection,
    liveVersion: live?.version,
    epoch: live?.epoch,
    partitions,
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    lastEventAt: times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null,
    deadLetters,
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
