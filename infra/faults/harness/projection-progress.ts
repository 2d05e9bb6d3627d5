import type { ProjectionName } from '@allo-pipeline/read-models';
import { query } from '../../test/private-stack.js';
import type { FaultPipeline } from './fault-pipeline.js';

// How far a projection is behind the raw topic, and when it last stored an offset: a scenario
// kills a projector while it has work in hand (mid-batch) and times how soon it applies again.

/** Records of the raw topic the live generation of `projection` has not applied yet. */
export async function projectionLag(pipeline: FaultPipeline, projection: ProjectionName): Promise<number> {
  const admin = pipeline.kafka().admin();
  await admin.connect();
  try {
    // Stored offsets first, then the ends: the ends only grow, so the lag is never negative.
    const stored = await query<{ partition: number; next_offset: string }>(
      pipeline.database.url,
      `select o.partition, o.next_offset::text as next_offset from read_model.projection_offsets o
         join read_model.projections p on p.projection = o.projection and p.live_version = o.version
        where o.topic = $1 and o.projection = $2`,
      [pipeline.rawTopic, projection],
    );
    const ends = await admin.fetchTopicOffsets(pipeline.rawTopic);
    return ends.reduce((lag, { partition, low, high }) => {
      const at = stored.find((row) => row.partition === partition)?.next_offset ?? low;
      return lag + Number(BigInt(high) - BigInt(at));
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

/** When `projection` last stored an offset (ms since the epoch; 0 when never). */
export async function lastApplied(pipeline: FaultPipeline, projection: ProjectionName): Promise<number> {
  const [row] = await query<{ at: Date | null }>(
    pipeline.database.url,
    'select max(updated_at) as at from read_model.projection_offsets where projection = $1 and topic = $2',
    [projection, pipeline.rawTopic],
  );
  return row?.at?.getTime() ?? 0;
}

/** Polls until `projection` stores an offset after `since`; resolves with when (undefined: not within the time). */
export async function appliedAgainAfter(
  pipeline: FaultPipeline,
  projection: ProjectionName,
  since: number,
  timeoutMs = 60_000,
): Promise<number | undefined> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const at = await lastApplied(pipeline, projection);
    if (at > since) return at;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/**
 * Polls until `projection` stored an offset after `since` on every partition of the raw topic
 * (so partitions a killed instance held have been taken over); resolves with when.
 */
export async function everyPartitionAppliedAfter(
  pipeline: FaultPipeline,
  projection: ProjectionName,
  since: number,
  timeoutMs = 60_000,
): Promise<number | undefined> {
  const admin = pipeline.kafka().admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicOffsets(pipeline.rawTopic).finally(() => admin.disconnect()))
    .length;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const [row] = await query<{ n: string; at: Date | null }>(
      pipeline.database.url,
      `select count(*) as n, max(updated_at) as at from read_model.projection_offsets
        where projection = $1 and topic = $2 and updated_at > $3`,
      [projection, pipeline.rawTopic, new Date(since)],
    );
    if (Number(row?.n ?? 0) >= partitions && row?.at) return row.at.getTime();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
