import type { Admin } from 'kafkajs';
import type { Kysely } from 'kysely';
import { resetPosition, restartLiveGeneration, type OffsetStart } from '@allo-pipeline/projection-runtime';
import {
  ensureLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';

/**
 * Sets the live generation's stored offsets to `to` and starts a new epoch (position-protocol's
 * resetPosition), so running projectors re-seek within their watch interval and a stop on a log
 * that could not be continued is lifted. Rows already in the read model stay: rewinding
 * re-applies events idempotently, `latest` skips what has not been applied yet.
 */
export async function resetOffsets(
  deps: { db: Kysely<ReadModelDatabase>; admin: Admin; rawTopic: string },
  projection: ProjectionName,
  to: OffsetStart,
): Promise<{ version: number; offsets: Map<number, string> }> {
  await ensureLiveGeneration(deps.db, projection);
  return resetPosition(deps.db, deps.admin, { projection, topic: deps.rawTopic }, to);
}

/**
 * In-place rebuild (NOT zero-downtime: readers see the tables empty, then refilling): truncates
 * the live generation and replays it from the log start. Refuses a truncated log unless
 * allowTruncatedLog (TruncatedLogError).
 */
export async function rebuildInPlace(
  deps: { db: Kysely<ReadModelDatabase>; admin: Admin; rawTopic: string },
  projection: ProjectionName,
  options: { allowTruncatedLog: boolean } = { allowTruncatedLog: false },
): Promise<{ version: number; tables: string[] }> {
  await ensureLiveGeneration(deps.db, projection);
  return restartLiveGeneration(deps.db, deps.admin, { projection, topic: deps.rawTopic }, options);
}
