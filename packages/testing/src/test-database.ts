import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { readStackEnv } from './stack-env.js';
import { uniqueName } from './unique-name.js';

export interface TestDatabase<DB> {
  /** Connection string of a database that exists only for this test file. */
  readonly url: string;
  readonly db: Kysely<DB>;
  /** Closes the pool and drops the database; call it in afterAll. */
  drop(): Promise<void>;
}

/** Creates a fresh Postgres database on the stack's server, with a kysely client bound to it. */
export async function createTestDatabase<DB>(prefix = 'test'): Promise<TestDatabase<DB>> {
  const { DATABASE_URL } = readStackEnv();
  const name = uniqueName(prefix);
  await runAdmin(DATABASE_URL, `CREATE DATABASE "${name}"`);
  const url = withDatabase(DATABASE_URL, name);
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
  });
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await runAdmin(DATABASE_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function runAdmin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
