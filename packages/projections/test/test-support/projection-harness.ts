// Given/when/then harness: apply events to a fresh generation of a projection in a real Postgres
// database, then read back the public rows in a stable order.
import { sql, type Kysely } from 'kysely';
import {
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  PUBLIC_TABLES,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { PROJECTIONS } from '../../src/index.js';
import type { ProjectionEvent } from '../../src/projection-event.js';

export type Row = Record<string, unknown>;
export type Rows = Record<'calls' | 'call_tags' | 'messages' | 'contacts', Row[]>;

export async function prepareReadModels(db: Kysely<ReadModelDatabase>): Promise<void> {
  await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const name of Object.keys(PUBLIC_TABLES) as ProjectionName[]) await ensureLiveGeneration(db, name);
}

/** Applies events in the given batches, each batch in one transaction, as the runtime does. */
export async function applyBatches(
  db: Kysely<ReadModelDatabase>,
  name: ProjectionName,
  batches: readonly (readonly ProjectionEvent[])[],
): Promise<void> {
  const projection = PROJECTIONS[name];
  const schema = generationSchema(name, 1);
  for (const batch of batches) {
    const applicable = batch.filter((e) => projection.classify(e.event).kind === 'apply');
    await db.transaction().execute((trx) => projection.applyBatch(trx, schema, applicable));
  }
}

/** Applies one batch as given (no classify), in one transaction: what applyBatch does on its own. */
export async function applyUnclassified(
  db: Kysely<ReadModelDatabase>,
  name: ProjectionName,
  batch: readonly ProjectionEvent[],
): Promise<void> {
  await db
    .transaction()
    .execute((trx) => PROJECTIONS[name].applyBatch(trx, generationSchema(name, 1), batch));
}

/** The rows of every table of generation 1 (public and event stores), by table name. */
export async function countStoredRows(
  db: Kysely<ReadModelDatabase>,
  name: ProjectionName,
): Promise<Record<string, number>> {
  const schema = generationSchema(name, 1);
  const { rows } = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = ${schema} order by tablename`.execute(db);
  const counts: Record<string, number> = {};
  for (const { tablename } of rows) {
    const { rows: counted } = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.id(schema, tablename)}`.execute(db);
    counts[tablename] = counted[0]?.n ?? 0;
  }
  return counts;
}

/** Empties every table of generation 1 (rows and event stores). */
export async function resetProjection(db: Kysely<ReadModelDatabase>, name: ProjectionName): Promise<void> {
  const schema = generationSchema(name, 1);
  const { rows } = await sql<{
    tablename: string;
  }>`select tablename from pg_tables where schemaname = ${schema}`.execute(db);
  const tables = rows.map((r) => sql.id(schema, r.tablename));
  await sql`truncate ${sql.join(tables)}`.execute(db);
}

const ORDER_BY: Record<string, string[]> = {
  calls: ['call_id'],
  call_tags: ['call_id', 'tag'],
  messages: ['message_id'],
  contacts: ['contact_id'],
};

/** The public rows of a projection (through the read_model views), ordered by key. */
export async function readRows(db: Kysely<ReadModelDatabase>, name: ProjectionName): Promise<Rows> {
  const result: Rows = { calls: [], call_tags: [], messages: [], contacts: [] };
  for (const table of PUBLIC_TABLES[name] as ReadonlyArray<keyof Rows>) {
    const order = (ORDER_BY[table] ?? []).map((column) => sql`${sql.id(column)} collate "C"`);
    const { rows } = await sql<Record<string, unknown>>`
      select * from ${sql.id('read_model', table)} order by ${sql.join(order)}`.execute(db);
    result[table] = rows;
  }
  return result;
}
