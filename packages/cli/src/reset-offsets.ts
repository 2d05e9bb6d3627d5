import type { Admin } from 'kafkajs';
import type { Kysely } from 'kysely';
import {
  bulkLoadGeneration,
  resetPosition,
  restartLiveGeneration,
  withProjectorGateClosed,
  type BulkLoadOutcome,
  type BulkLoadSources,
  type OffsetStart,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
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

export interface InPlaceDeps extends BulkLoadSources {
  /** Consumer group of the bulk load (default allo-projector-<name>-in-place). */
  readonly groupId?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * In-place rebuild (NOT zero-downtime: readers see the tables empty, then refilling): truncates
 * the live generation and reloads it from the log start with the bulk path, while the projector
 * gate is closed (live projectors and dead-letter replays wait; they continue from the loaded
 * positions, in a new epoch, once it opens). Should the bulk path fail on something the live path
 * survives, the live projectors replay from the log start as before. Refuses a truncated log
 * unless allowTruncatedLog (TruncatedLogError).
 */
export async function rebuildInPlace(
  deps: InPlaceDeps,
  projection: ProjectionName,
  options: { allowTruncatedLog: boolean } = { allowTruncatedLog: false },
): Promise<{ version: number; tables: string[]; bulk: BulkLoadOutcome }> {
  const { db, rawTopic } = deps;
  await ensureLiveGeneration(db, projection);
  return db.connection().execute((session) =>
    withProjectorGateClosed(session, projection, async () => {
      const { version, tables, offsets } = await restartLiveGeneration(
        db,
        deps.admin,
        { projection, topic: rawTopic },
        options,
      );
      const bulk = await bulkLoadGeneration(
        { ...deps, groupId: deps.groupId ?? `allo-projector-${projection}-in-place` },
        { projection: PROJECTIONS[projection], version, start: offsets, bumpEpoch: true },
      );
      return { version, tables, bulk };
    }),
  );
}
