import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { generationSchema, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { lockEntities, MAX_ENTITY_LOCKS } from '../src/entity-locks.js';
import { PROJECTIONS } from '../src/index.js';
import { callCompleted } from './test-support/allo-bodies.js';
import { prepareReadModels, readRows } from './test-support/projection-harness.js';
import { raceTransactions } from './test-support/race.js';

type Work = (trx: Kysely<ReadModelDatabase>) => Promise<unknown>;

const SCHEMA = generationSchema('calls', 1);
const keys = (count: number, prefix = 'call:k') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** The advisory locks this transaction's backend holds, by mode. */
async function heldLocks(trx: Kysely<ReadModelDatabase>): Promise<Record<string, number>> {
  const { rows } = await sql<{ mode: string; n: number }>`
    select mode, count(*)::int as n from pg_locks
    where locktype = 'advisory' and pid = pg_backend_pid() and granted group by mode order by mode`.execute(
    trx,
  );
  return Object.fromEntries(rows.map((r) => [r.mode, r.n]));
}

describe('entity locks', () => {
  let database: TestDatabase<ReadModelDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('entity_locks');
    await prepareReadModels(database.db);
  });
  afterAll(() => database.drop());

  /** Whether `attempt`, run in a second transaction while `holder` holds its locks, had to wait. */
  async function waitsFor(holder: Work, attempt: Work): Promise<boolean> {
    const { waited, error } = await raceTransactions(database.db, holder, attempt);
    expect(error).toBeUndefined();
    return waited;
  }

  it('takes one lock per key beside a shared generation lock, NUL in a key included', async () => {
    await database.db.transaction().execute(async (trx) => {
      const locks = await lockEntities(trx, SCHEMA, ['pair:a|b', 'call:x\u0000', 'call:y']);
      await locks.add(['call:y', 'call:z']);
      expect(locks.wholeGeneration).toBe(false);
      expect(await heldLocks(trx)).toEqual({ ExclusiveLock: 4, ShareLock: 1 });
    });
  });

  it(`locks the whole generation with one lock past ${MAX_ENTITY_LOCKS} keys`, async () => {
    await database.db.transaction().execute(async (trx) => {
      const locks = await lockEntities(trx, SCHEMA, keys(MAX_ENTITY_LOCKS + 1));
      await locks.add(keys(10, 'call:late'));
      expect(locks.wholeGeneration).toBe(true);
      expect(await heldLocks(trx)).toEqual({ ExclusiveLock: 1 });
    });
    await database.db.transaction().execute(async (trx) => {
      expect((await lockEntities(trx, SCHEMA, keys(MAX_ENTITY_LOCKS))).wholeGeneration).toBe(false);
    });
  });

  it('makes a batch wait for another holding one of its keys, or the whole generation, only', async () => {
    const small =
      (names: string[], schema = SCHEMA) =>
      (trx: Kysely<ReadModelDatabase>) =>
        lockEntities(trx, schema, names);
    const big = small(keys(MAX_ENTITY_LOCKS + 1, 'call:big'));
    expect(await waitsFor(small(['call:a']), small(['call:a']))).toBe(true);
    expect(await waitsFor(small(['call:a']), small(['call:b']))).toBe(false);
    expect(await waitsFor(big, small(['call:b']))).toBe(true);
    expect(await waitsFor(small(['call:b']), big)).toBe(true);
    expect(await waitsFor(big, small(['call:b'], generationSchema('calls', 2)))).toBe(false);
  });

  it('applies a batch of many calls under the generation lock, after a small batch of another call', async () => {
    const many = Array.from({ length: MAX_ENTITY_LOCKS * 2 }, (_, i) =>
      callCompleted(`wh_${i}`, '2026-02-03T09:19:47.332Z', { id: `cll_many_${i}` }),
    );
    const other = callCompleted('wh_other', '2026-02-03T09:19:47.332Z', { id: 'cll_other' });
    const apply = (events: typeof many) => (trx: Kysely<ReadModelDatabase>) =>
      PROJECTIONS.calls.applyBatch(trx, SCHEMA, events);
    expect(await waitsFor(apply([other]), apply(many))).toBe(true);
    expect((await readRows(database.db, 'calls')).calls).toHaveLength(MAX_ENTITY_LOCKS * 2 + 1);
  });
});
