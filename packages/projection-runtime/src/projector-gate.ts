import { sql, type Kysely } from 'kysely';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';

// Live batches hold this advisory lock in shared mode for the length of their transaction; a
// rebuild takes it exclusively (on its own session) to freeze the live generation for the moment
// it checks that the new generation has caught up and swaps.
function gateKey(projection: ProjectionName): string {
  return `read_model.projector-gate:${projection}`;
}

/** Inside a live batch transaction: waits while a rebuild holds the gate, then shares it. */
export async function enterProjectorGate(
  trx: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(hashtext(${gateKey(projection)}))`.execute(trx);
}

/** On a dedicated session: blocks new live batches once in-flight ones commit. */
export async function closeProjectorGate(
  session: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<void> {
  await sql`select pg_advisory_lock(hashtext(${gateKey(projection)}))`.execute(session);
}

/** Releases what closeProjectorGate took, on the same session. */
export async function openProjectorGate(
  session: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
): Promise<void> {
  await sql`select pg_advisory_unlock(hashtext(${gateKey(projection)}))`.execute(session);
}
