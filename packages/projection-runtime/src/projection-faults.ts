import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';
import { describeDiscontinuities } from './discontinuity-report.js';
import type { GenerationSnapshot } from './position-protocol.js';
import type { Discontinuity } from './position-rules.js';

// Faults a projector records (read_model.projection_faults), so that every instance, the CLI's
// status and the query API's /v1/projections report the same condition. A fault belongs to one
// generation and epoch: a reset, in-place rebuild or swap supersedes it.
// - `log-discontinuity`: the stored position cannot be continued on the log; the projection
//   applies nothing until it can (position-protocol.ts, invariant 2).
// - `stuck`: one batch has kept failing with a transient error for longer than a threshold; the
//   projector keeps retrying and clears the fault once the batch commits.

/** Where a stuck projector is stuck: the batch it retries and the last error. */
export interface StuckBatch {
  readonly partition: number;
  /** First and last offset of the range being retried. */
  readonly fromOffset: string;
  readonly toOffset: string;
  readonly error: string;
  readonly attempts: number;
}

interface FaultBase {
  readonly message: string;
  readonly fix: string;
  readonly since: Date;
}

export type ProjectionFault =
  | (FaultBase & { readonly kind: 'log-discontinuity'; readonly detail: readonly Discontinuity[] })
  | (FaultBase & { readonly kind: 'stuck'; readonly detail: readonly StuckBatch[] });

export type FaultKind = ProjectionFault['kind'];

type Target = { projection: ProjectionName; snapshot: GenerationSnapshot };

/** Records (or refreshes, keeping `since`) the log-discontinuity fault of a generation and epoch. */
export async function recordDiscontinuity(
  db: Kysely<ReadModelDatabase>,
  target: Target,
  discontinuities: readonly Discontinuity[],
): Promise<ProjectionFault> {
  const { message, fix } = describeDiscontinuities(target.projection, discontinuities);
  const since = await upsertFault(db, target, 'log-discontinuity', { message, fix, detail: discontinuities });
  return { kind: 'log-discontinuity', message, fix, detail: discontinuities, since };
}

/** The fault of a batch that keeps failing transiently: what, since when, and that it retries. Pure. */
export function stuckFault(projection: ProjectionName, stuck: StuckBatch, since: Date): ProjectionFault {
  const message =
    `projection ${projection} is stuck on partition ${stuck.partition}: the records at offsets ` +
    `${stuck.fromOffset} to ${stuck.toOffset} have failed ${stuck.attempts} times since ` +
    `${since.toISOString()}: ${stuck.error}`;
  const fix =
    'The error is one the projector retries (the database or the registry unreachable, restarting or out of ' +
    'resources, a lock conflict): fix that and it continues by itself; nothing is skipped meanwhile.';
  return { kind: 'stuck', message, fix, detail: [stuck], since };
}

/** Records (or refreshes) that `stuck` has failed since `failingSince`, past the threshold. */
export async function recordStuck(
  db: Kysely<ReadModelDatabase>,
  target: Target,
  stuck: StuckBatch,
  failingSince: Date,
): Promise<ProjectionFault> {
  const fault = stuckFault(target.projection, stuck, failingSince);
  const since = await upsertFault(db, target, 'stuck', fault, failingSince);
  return { ...fault, since };
}

async function upsertFault(
  db: Kysely<ReadModelDatabase>,
  target: Target,
  kind: FaultKind,
  fault: { message: string; fix: string; detail: readonly unknown[] },
  since?: Date,
): Promise<Date> {
  const now = new Date();
  const detail = JSON.stringify(fault.detail);
  const row = await db
    .insertInto('read_model.projection_faults')
    .values({
      projection: target.projection,
      version: target.snapshot.version,
      kind,
      epoch: target.snapshot.epoch ?? '0',
      message: fault.message,
      fix: fault.fix,
      detail,
      ...(since ? { since } : {}),
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['projection', 'version', 'kind']).doUpdateSet({
        message: fault.message,
        fix: fault.fix,
        detail,
        updated_at: now,
        epoch: (eb) => eb.ref('excluded.epoch'),
        since: sql<Date>`case when read_model.projection_faults.epoch = excluded.epoch then read_model.projection_faults.since else excluded.since end`,
      }),
    )
    .returning('since')
    .executeTakeFirstOrThrow();
  return row.since;
}

/** Removes one kind of fault of a generation (the condition is over). */
export async function clearFault(
  db: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number },
  kind: FaultKind,
): Promise<void> {
  await db
    .deleteFrom('read_model.projection_faults')
    .where('projection', '=', target.projection)
    .where('version', '=', target.version)
    .where('kind', '=', kind)
    .execute();
}

/** The faults recorded for a generation in its current epoch. */
export async function readActiveFaults(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
  epoch: string,
): Promise<ProjectionFault[]> {
  const rows = await db
    .selectFrom('read_model.projection_faults')
    .select(['kind', 'message', 'fix', 'detail', 'since'])
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('epoch', '=', epoch)
    .orderBy('kind')
    .execute();
  return rows.map((r) =>
    r.kind === 'stuck'
      ? { kind: 'stuck', message: r.message, fix: r.fix, detail: r.detail as StuckBatch[], since: r.since }
      : {
          kind: 'log-discontinuity',
          message: r.message,
          fix: r.fix,
          detail: r.detail as Discontinuity[],
          since: r.since,
        },
  );
}
