import { sql, type Kysely, type Transaction } from 'kysely';
import type { ReadModelDatabase } from './database.js';
import { createProjectionTables, PUBLIC_TABLES, type ProjectionName } from './projection-tables.js';

/** The Postgres schema holding one generation (version) of a projection's tables. */
export function generationSchema(projection: ProjectionName, version: number): string {
  return `read_model_${projection}_g${version}`;
}

export interface LiveGeneration {
  readonly version: number;
  /** Changes on every swap, offset reset and in-place rebuild; consumers re-seek when it does. */
  readonly epoch: string;
}

/**
 * Returns the live generation of a projection, creating generation 1 (schema, tables and the
 * read_model views) the first time. Safe to call from several processes at once.
 */
export async function ensureLiveGeneration(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<LiveGeneration> {
  return db.transaction().execute(async (trx) => {
    await lockProjection(trx, projection);
    const existing = await readLiveGeneration(trx, projection);
    if (existing) return existing;
    await createGenerationTables(trx, projection, 1);
    await pointViewsAt(trx, projection, 1);
    await trx
      .insertInto('read_model.projections')
      .values({ projection, live_version: 1, epoch: 1, updated_at: new Date() })
      .execute();
    return { version: 1, epoch: '1' };
  });
}

/** The live generation, or undefined before ensureLiveGeneration ran. */
export async function readLiveGeneration(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<LiveGeneration | undefined> {
  const row = await db
    .selectFrom('read_model.projections')
    .select(['live_version', 'epoch'])
    .where('projection', '=', projection)
    .executeTakeFirst();
  return row ? { version: row.live_version, epoch: String(row.epoch) } : undefined;
}

/** Creates an empty generation (dropping any leftover of an abandoned rebuild with that number). */
export async function createGeneration(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`drop schema if exists ${sql.id(generationSchema(projection, version))} cascade`.execute(trx);
    await createGenerationTables(trx, projection, version);
    for (const table of [
      'read_model.projection_offsets',
      'read_model.generations',
      'read_model.projection_faults',
    ] as const) {
      await trx
        .deleteFrom(table)
        .where('projection', '=', projection)
        .where('version', '=', version)
        .execute();
    }
  });
}

/**
 * Atomically makes `version` the live generation: the read_model views switch in one
 * transaction, so readers see either the old tables or the new ones, never an empty or partial
 * one. The old generation's schema is dropped afterwards.
 */
export async function swapLiveGeneration(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<number> {
  const previous = await db.transaction().execute(async (trx) => {
    await lockProjection(trx, projection);
    const live = await readLiveGeneration(trx, projection);
    await pointViewsAt(trx, projection, version);
    await trx
      .updateTable('read_model.projections')
      .set({ live_version: version, epoch: sql`epoch + 1`, updated_at: new Date() })
      .where('projection', '=', projection)
      .execute();
    return live?.version;
  });
  if (previous !== undefined && previous !== version) await dropGeneration(db, projection, previous);
  return previous ?? version;
}

/** Drops a generation's schema, its stored offsets, its facts and its faults. */
export async function dropGeneration(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<void> {
  await sql`drop schema if exists ${sql.id(generationSchema(projection, version))} cascade`.execute(db);
  for (const table of [
    'read_model.projection_offsets',
    'read_model.generations',
    'read_model.projection_faults',
  ] as const) {
    await db.deleteFrom(table).where('projection', '=', projection).where('version', '=', version).execute();
  }
}

/** Bumps the epoch so running consumers re-read their offsets (after a reset or in-place rebuild). */
export async function bumpEpoch(
  trx: Transaction<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<void> {
  await trx
    .updateTable('read_model.projections')
    .set({ epoch: sql`epoch + 1`, updated_at: new Date() })
    .where('projection', '=', projection)
    .execute();
}

/** Serialises registry changes for one projection (transaction-scoped advisory lock). */
export async function lockProjection(
  trx: Transaction<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${'read_model.projection:' + projection}))`.execute(trx);
}

async function createGenerationTables(
  trx: Transaction<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<void> {
  const schema = generationSchema(projection, version);
  await sql`create schema ${sql.id(schema)}`.execute(trx);
  await createProjectionTables(trx as unknown as Kysely<unknown>, projection, schema);
}

async function pointViewsAt(
  trx: Transaction<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
): Promise<void> {
  const schema = generationSchema(projection, version);
  for (const table of PUBLIC_TABLES[projection]) {
    await sql`drop view if exists ${sql.id('read_model', table)}`.execute(trx);
    await sql`create view ${sql.id('read_model', table)} as select * from ${sql.id(schema, table)}`.execute(
      trx,
    );
  }
}
