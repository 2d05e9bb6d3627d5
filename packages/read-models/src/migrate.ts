import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as bookkeeping from './migrations/0001-bookkeeping.js';
import * as logIdentity from './migrations/0002-log-identity.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-bookkeeping': bookkeeping,
  '0002-log-identity': logIdentity,
};

// Arbitrary constant identifying the migration lock among the database's advisory locks.
const MIGRATION_LOCK_KEY = 4_711_001;

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'MigrationError';
  }
}

/**
 * Brings the read-model schema to the latest migration. Safe to run from several processes at
 * once: a session advisory lock serialises them, and later runs find nothing to do.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      await connection.schema.createSchema('read_model').ifNotExists().execute();
      const migrator = new Migrator({
        db: connection,
        migrationTableSchema: 'read_model',
        provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
      });
      const result = await migrator.migrateToLatest();
      if (result.error) {
        const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
        throw new MigrationError(
          `read-model migration ${failed ?? '(setup)'} failed: ${result.error instanceof Error ? result.error.message : JSON.stringify(result.error)}`,
          failed,
          result.error,
        );
      }
      return result;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}
