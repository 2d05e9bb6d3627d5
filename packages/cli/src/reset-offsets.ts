import type { Admin } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { resolveStartOffsets, writeStoredOffsets, type OffsetStart } from '@allo-pipeline/projection-runtime';
import {
  bumpEpoch,
  ensureLiveGeneration,
  generationSchema,
  lockProjection,
  readLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';

/**
 * Sets the live generation's stored offsets to `to` and bumps the epoch in one transaction, so
 * running projectors re-seek within their watch interval. Rows already in the read model stay:
 * rewinding re-applies events idempotently, `latest` skips what has not been applied yet.
 */
export async function resetOffsets(
  deps: { db: Kysely<ReadModelDatabase>; admin: Admin; rawTopic: string },
  projection: ProjectionName,
  to: OffsetStart,
): Promise<{ version: number; offsets: Map<number, string> }> {
  await ensureLiveGeneration(deps.db, projection);
  const offsets = await resolveStartOffsets(deps.admin, deps.rawTopic, to);
  const version = await deps.db.transaction().execute(async (trx) => {
    await lockProjection(trx, projection);
    // Bump first: the row lock makes live batches that start now wait, then see the new epoch.
    await bumpEpoch(trx, projection);
    const live = await readLiveGeneration(trx, projection);
    if (!live) throw new Error(`projection ${projection} has no live generation`);
    await writeStoredOffsets(trx, { projection, version: live.version, topic: deps.rawTopic }, offsets);
    return live.version;
  });
  return { version, offsets };
}

/**
 * In-place rebuild (NOT zero-downtime: readers see the tables empty, then refilling). In one
 * transaction: bump the epoch, truncate every table of the live generation (read models and event
 * stores), delete its stored offsets and dead letters. Running projectors re-seek to earliest.
 */
export async function rebuildInPlace(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<{ version: number; tables: string[] }> {
  await ensureLiveGeneration(db, projection);
  return db.transaction().execute(async (trx) => {
    await lockProjection(trx, projection);
    await bumpEpoch(trx, projection);
    const live = await readLiveGeneration(trx, projection);
    if (!live) throw new Error(`projection ${projection} has no live generation`);
    const schema = generationSchema(projection, live.version);
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = ${schema} and table_type = 'BASE TABLE' order by table_name`.execute(trx);
    const tables = rows.map((r) => r.table_name);
    if (tables.length > 0) {
      await sql`truncate ${sql.join(tables.map((t) => sql.id(schema, t)))}`.execute(trx);
    }
    await trx
      .deleteFrom('read_model.projection_offsets')
      .where('projection', '=', projection)
      .where('version', '=', live.version)
      .execute();
    await trx
      .deleteFrom('read_model.dead_letters')
      .where('projection', '=', projection)
      .where('version', '=', live.version)
      .execute();
    return { version: live.version, tables };
  });
}
