// Drives two transactions of one projection into the interleaving that loses updates: one is held
// open after applying its batch while the other applies its own, and only once that other one has
// finished applying or is waiting for a lock does the first commit. Deterministic: without entity
// locks the racing batch always folds without the held batch's events; with them it always waits.
import { sql, type Kysely } from 'kysely';
import { generationSchema, type ProjectionName, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { PROJECTIONS } from '../../src/index.js';
import type { ProjectionEvent } from '../../src/projection-event.js';

const POLL_MS = 2;
const GIVE_UP_MS = 10_000;

/** What became of the racing transaction. */
export type RaceOutcome = { waited: boolean; error: unknown };

type Work = (trx: Kysely<ReadModelDatabase>) => Promise<unknown>;

/**
 * Applies `held` in one transaction and, while it is still open, `racing` in another (each
 * through applyBatch, as the runtime does). Resolves after both ended; an error of the racing
 * transaction is returned, one of the held transaction thrown.
 */
export async function race(
  db: Kysely<ReadModelDatabase>,
  name: ProjectionName,
  held: readonly ProjectionEvent[],
  racing: readonly ProjectionEvent[],
): Promise<RaceOutcome> {
  const projection = PROJECTIONS[name];
  const schema = generationSchema(name, 1);
  return raceTransactions(
    db,
    (trx) => projection.applyBatch(trx, schema, held),
    (trx) => projection.applyBatch(trx, schema, racing),
  );
}

/** Runs `held` in a transaction kept open until `racing`, in another one, finished or waits. */
export async function raceTransactions(
  db: Kysely<ReadModelDatabase>,
  held: Work,
  racing: Work,
): Promise<RaceOutcome> {
  let racingDone: Promise<unknown> = Promise.resolve();
  let waited = false;
  await db.transaction().execute(async (heldTrx) => {
    await held(heldTrx);
    let reportPid: (pid: number) => void = () => undefined;
    const pid = new Promise<number>((resolve) => (reportPid = resolve));
    racingDone = db
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        reportPid(rows[0]?.pid ?? 0);
        await racing(trx);
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    waited = await finishedOrWaiting(db, await pid, racingDone);
  });
  const error = await racingDone;
  return { waited, error };
}

/** Waits until `done` settles (false) or backend `pid` waits for a lock (true). */
async function finishedOrWaiting(
  db: Kysely<ReadModelDatabase>,
  pid: number,
  done: Promise<unknown>,
): Promise<boolean> {
  let settled = false;
  void done.then(() => (settled = true));
  for (const start = Date.now(); Date.now() - start < GIVE_UP_MS;) {
    if (settled) return false;
    const { rows } = await sql<{ waiting: boolean }>`
      select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = ${pid}`.execute(db);
    if (rows[0]?.waiting === true) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`the racing transaction neither finished nor waited within ${GIVE_UP_MS} ms`);
}
