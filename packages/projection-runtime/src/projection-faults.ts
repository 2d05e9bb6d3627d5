import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';
import { describeDiscontinuities } from './discontinuity-report.js';
import type { GenerationSnapshot } from './position-protocol.js';
import type { Discontinuity } from './position-rules.js';

// Faults a projector records instead of consuming (read_model.projection_faults), so that every
// instance, the CLI's status and the query API's /v1/projections report the same condition. A
// fault belongs to one generation and epoch: a reset, in-place rebuild or swap supersedes it.

/** A condition recorded by a projector that stops it consuming, until a new epoch supersedes it. */
export interface ProjectionFault {
  readonly kind: 'log-discontinuity';
  readonly message: string;
  readonly fix: string;
  readonly detail: readonly Discontinuity[];
  readonly since: Date;
}

/** Records (or refreshes, keeping `since`) the log-discontinuity fault of a generation and epoch. */
export async function recordDiscontinuity(
  db: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; snapshot: GenerationSnapshot },
  discontinuities: readonly Discontinuity[],
): Promise<ProjectionFault> {
  const { message, fix } = describeDiscontinuities(target.projection, discontinuities);
  const now = new Date();
  const row = await db
    .insertInto('read_model.projection_faults')
    .values({
      projection: target.projection,
      version: target.snapshot.version,
      kind: 'log-discontinuity',
      epoch: target.snapshot.epoch ?? '0',
      message,
      fix,
      detail: JSON.stringify(discontinuities),
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['projection', 'version', 'kind']).doUpdateSet({
        message,
        fix,
        detail: JSON.stringify(discontinuities),
        updated_at: now,
        epoch: (eb) => eb.ref('excluded.epoch'),
        since: sql<Date>`case when read_model.projection_faults.epoch = excluded.epoch then read_model.projection_faults.since else now() end`,
      }),
    )
    .returning('since')
    .executeTakeFirstOrThrow();
  return { kind: 'log-discontinuity', message, fix, detail: discontinuities, since: row.since };
}

/** Removes a generation's log-discontinuity fault (the log can be continued again). */
export async function clearDiscontinuity(
  db: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number },
): Promise<void> {
  await db
    .deleteFrom('read_model.projection_faults')
    .where('projection', '=', target.projection)
    .where('version', '=', target.version)
    .where('kind', '=', 'log-discontinuity')
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
    .execute();
  return rows.map((r) => ({
    kind: 'log-discontinuity',
    message: r.message,
    fix: r.fix,
    detail: r.detail as Discontinuity[],
    since: r.since,
  }));
}
