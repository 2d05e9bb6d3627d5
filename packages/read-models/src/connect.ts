import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ReadModelDatabase } from './database.js';

// Postgres bigint (int8) arrives as a string by default; offsets stay strings in our types.
// numeric (OID 1700) too. Nothing to change; this comment documents the choice.

export interface ReadModelConnectionOptions {
  readonly max?: number;
  /**
   * Called when a pooled connection fails outside a query (Postgres restarted, the session was killed).
   * The pool drops that connection; the next query opens a new one and fails or succeeds then.
   */
  readonly onConnectionError?: (error: Error) => void;
  /**
   * false: every connection runs with synchronous_commit=off, so a commit returns before its WAL
   * is flushed. For writers whose every transaction can be replayed from a durable source (a
   * projector: rows and log position commit together, see position-protocol.ts); a Postgres
   * crash then loses at most the last few hundred milliseconds of them, never half of one.
   */
  readonly synchronousCommit?: boolean;
}

/**
 * A kysely client for the read-model database. A connection that breaks outside a query never crashes the
 * process (pg's pool would otherwise emit an unhandled 'error' event); callers see errors only
 * on the queries they run, and retry those.
 */
export function connectReadModels(
  databaseUrl: string,
  options: ReadModelConnectionOptions = {},
): Kysely<ReadModelDatabase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  const report = (error: Error) => options.onConnectionError?.(error);
  pool.on('error', report);
  // A connection that breaks while checked out between two queries (inside a transaction) emits
  // 'error' on its client, which pg leaves unhandled; the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', report);
    // Queued before any query of whoever checked the connection out, so it runs first.
    if (options.synchronousCommit === false)
      client.query('set synchronous_commit = off').catch((error: Error) => report(error));
  });
  return new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
}
