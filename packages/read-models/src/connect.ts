import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ReadModelDatabase } from './database.js';

// Postgres bigint (int8) arrives as a string by default; offsets stay strings in our types.
// numeric (OID 1700) too. Nothing to change; this comment documents the choice.

/** A kysely client for the read-model database. */
export function connectReadModels(
  databaseUrl: string,
  options: { max?: number } = {},
): Kysely<ReadModelDatabase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  return new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
}
