import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { readStackEnv } from './stack-env.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

interface ScratchDb {
  notes: { id: number; body: string };
}

describe('createTestDatabase (kysely + pg against the stack Postgres)', () => {
  let database: TestDatabase<ScratchDb>;

  beforeAll(async () => {
    database = await createTestDatabase<ScratchDb>('scratch');
  });

  afterAll(async () => {
    // drop() is asserted below; this only cleans up when an assertion failed first.
    await database.drop().catch(() => undefined);
  });

  it('gives a private, working database', async () => {
    await database.db.schema
      .createTable('notes')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .addColumn('body', 'text', (col) => col.notNull())
      .execute();
    await database.db
      .insertInto('notes')
      .values([
        { id: 1, body: 'first' },
        { id: 2, body: 'second' },
      ])
      .execute();
    const rows = await database.db.selectFrom('notes').selectAll().orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, body: 'first' },
      { id: 2, body: 'second' },
    ]);
    const { rows: current } = await sql<{ name: string }>`select current_database() as name`.execute(
      database.db,
    );
    expect(current[0]?.name).toBe(new URL(database.url).pathname.slice(1));
  });

  it('drops the database', async () => {
    const name = new URL(database.url).pathname.slice(1);
    await database.drop();
    const admin = new pg.Client({ connectionString: readStackEnv().DATABASE_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
      expect(rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
