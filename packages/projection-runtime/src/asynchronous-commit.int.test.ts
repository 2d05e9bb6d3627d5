import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { connectReadModels, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';

// Projectors commit without waiting for the WAL flush (position-protocol.ts, invariant 7):
// connectReadModels({ synchronousCommit: false }) must set it on every connection of the pool,
// the first query included, and leave other pools (the CLI's, the query API's) synchronous.

let database: TestDatabase<unknown>;

beforeAll(async () => {
  database = await createTestDatabase('async_commit');
});

afterAll(async () => {
  await database?.drop();
});

/** synchronous_commit as seen by `connections` queries running at once (each its own connection). */
async function settingsOf(db: Kysely<ReadModelDatabase>, connections: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: connections }, () =>
      db.connection().execute(async (session) => {
        const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(session);
        // Held a moment, so that the others cannot reuse this connection.
        await sql`select pg_sleep(0.05)`.execute(session);
        return rows[0]!.synchronous_commit;
      }),
    ),
  );
}

describe('connectReadModels', () => {
  it('runs every connection with synchronous_commit=off when asked, and on by default', async () => {
    const asynchronous = connectReadModels(database.url, { max: 3, synchronousCommit: false });
    const synchronous = connectReadModels(database.url, { max: 3 });
    try {
      expect(await settingsOf(asynchronous, 3)).toEqual(['off', 'off', 'off']);
      expect(await settingsOf(synchronous, 3)).toEqual(['on', 'on', 'on']);
    } finally {
      await asynchronous.destroy();
      await synchronous.destroy();
    }
  });
});
