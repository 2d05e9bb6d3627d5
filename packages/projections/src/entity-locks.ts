// One writer per entity at a time. The calls and contacts projections read an entity's stored
// events, fold them and write the whole row; two transactions doing that for one entity at once
// (several projector instances, a dlq replay beside a live batch) would each fold without the
// other's uncommitted event, and the last commit would win with a stale row. So:
// - a batch locks every entity it may touch before it reads or writes anything of it, with
//   transaction-scoped advisory locks (released at commit or rollback), and holds them to the end;
// - under READ COMMITTED (Postgres' default, which the runtime uses) every statement after a lock
//   wait sees what the previous holder committed: the fold then includes every event of the
//   entity, and no other transaction can be adding one;
// - locks are taken in one global order: the generation lock, then each projection's key classes
//   in a fixed order, each class sorted, and never an earlier one after a later one; so two
//   batches never wait on each other in a cycle (were one to form, Postgres would abort one with
//   SQLSTATE 40P01, which the runtime retries);
// - locks live in Postgres' shared lock table, sized by max_locks_per_transaction × connections for
//   the whole server: with the defaults one transaction taking 20 000 advisory locks fails with
//   "out of shared memory" (SQLSTATE 53200, transient: retried for ever; measured on Postgres 18,
//   10 000 still pass), and so do other sessions while the table is full. A batch
//   with more than MAX_ENTITY_LOCKS keys therefore takes one exclusive lock on the whole
//   generation instead; every other batch holds that generation lock in shared mode, so the two
//   kinds exclude each other. Large batches (catch-up, rebuild) then run one at a time.
// Keys are namespaced by the generation's schema: a rebuild never waits for the live generation.
import { sql, type Kysely } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { storableText } from './storable.js';

/** Most entity locks one batch takes before it locks its whole generation instead. */
export const MAX_ENTITY_LOCKS = 128;

/** The locks a batch holds; it adds keys as it learns what it touches. */
export interface EntityLocks {
  /** Whether the batch holds the whole generation (then `add` has nothing to do). */
  readonly wholeGeneration: boolean;
  /** Locks `keys` in the order given (each class sorted), after every lock taken so far. */
  add(keys: readonly string[]): Promise<void>;
}

/**
 * Starts a batch's locks in `schema`'s generation, for the rest of the caller's transaction: the
 * generation lock, whole when the batch expects to lock more than MAX_ENTITY_LOCKS keys, shared
 * otherwise. Waits for other holders.
 */
export async function beginEntityLocks(
  db: Kysely<ReadModelDatabase>,
  schema: string,
  expectedKeys: number,
): Promise<EntityLocks> {
  const wholeGeneration = expectedKeys > MAX_ENTITY_LOCKS;
  const generationLock = wholeGeneration ? sql`pg_advisory_xact_lock` : sql`pg_advisory_xact_lock_shared`;
  await sql`select ${generationLock}(hashtextextended(${schema}, 0))`.execute(db);
  return {
    wholeGeneration,
    add: (keys) => (wholeGeneration ? Promise.resolve() : lockKeys(db, schema, keys)),
  };
}

/** beginEntityLocks, then `keys` (in the order given): for a batch that knows all its keys. */
export async function lockEntities(
  db: Kysely<ReadModelDatabase>,
  schema: string,
  keys: readonly string[],
): Promise<EntityLocks> {
  const locks = await beginEntityLocks(db, schema, new Set(keys).size);
  await locks.add(keys);
  return locks;
}

// One round trip; the subquery's order by makes the locks be taken in array order. A key this
// transaction already holds is taken again at no cost (and no new lock-table entry).
async function lockKeys(
  db: Kysely<ReadModelDatabase>,
  schema: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    select count(pg_advisory_xact_lock(hashtextextended(${schema} || ':' || k.key, 0)))
    from (select key from unnest(${keys.map(storableText)}::text[]) with ordinality as u(key, ord) order by ord) k`.execute(
    db,
  );
}
