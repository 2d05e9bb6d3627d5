import type { Kysely } from 'kysely';
import {
  classifyMessage,
  decodeMessages,
  enterProjectorGate,
  type RawRecordDecoder,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import {
  generationSchema,
  isProjectionName,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';

export interface DeadLetterSummary {
  readonly id: string;
  readonly projection: string;
  readonly version: number;
  readonly partition: number;
  readonly offset: string;
  readonly webhookId: string | null;
  readonly error: string;
  readonly createdAt: Date;
  readonly replayedAt: Date | null;
}

/** The newest dead letters first. */
export async function listDeadLetters(
  db: Kysely<ReadModelDatabase>,
  filter: { projection?: ProjectionName | undefined; limit: number },
): Promise<DeadLetterSummary[]> {
  let query = db
    .selectFrom('read_model.dead_letters')
    .select([
      'id',
      'projection',
      'version',
      'partition',
      'kafka_offset',
      'webhook_id',
      'error',
      'created_at',
      'replayed_at',
    ])
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.projection) query = query.where('projection', '=', filter.projection);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    projection: r.projection,
    version: r.version,
    partition: r.partition,
    offset: String(r.kafka_offset),
    webhookId: r.webhook_id,
    error: r.error,
    createdAt: r.created_at,
    replayedAt: r.replayed_at,
  }));
}

export type ReplayResult =
  | { id: string; outcome: 'applied' | 'not-applicable' }
  | { id: string; outcome: 'failed' | 'skipped'; error: string };

/**
 * Re-decodes dead letters and applies them to the LIVE generation of their projection, one
 * transaction each, marking replayed_at on success ('not-applicable': the projection now skips the
 * event, which also resolves it). `all` takes the unreplayed dead letters of each live generation.
 * Failures are reported and left in place; a registry outage throws.
 */
export async function replayDeadLetters(
  deps: { db: Kysely<ReadModelDatabase>; codec: RawRecordDecoder },
  selection: {
    projection?: ProjectionName | undefined;
    target: { kind: 'id'; id: string } | { kind: 'all' };
  },
): Promise<ReplayResult[]> {
  const ids = await selectIds(deps.db, selection);
  const results: ReplayResult[] = [];
  for (const id of ids) results.push(await replayOne(deps, id));
  return results;
}

async function selectIds(
  db: Kysely<ReadModelDatabase>,
  selection: Parameters<typeof replayDeadLetters>[1],
): Promise<string[]> {
  if (selection.target.kind === 'id') return [selection.target.id];
  let query = db
    .selectFrom('read_model.dead_letters as d')
    .innerJoin('read_model.projections as p', (join) =>
      join.onRef('p.projection', '=', 'd.projection').onRef('p.live_version', '=', 'd.version'),
    )
    .select('d.id')
    .where('d.replayed_at', 'is', null)
    .orderBy('d.id');
  if (selection.projection) query = query.where('d.projection', '=', selection.projection);
  return (await query.execute()).map((r) => String(r.id));
}

async function replayOne(
  deps: { db: Kysely<ReadModelDatabase>; codec: RawRecordDecoder },
  id: string,
): Promise<ReplayResult> {
  const row = await deps.db
    .selectFrom('read_model.dead_letters')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return { id, outcome: 'skipped', error: 'no such dead letter' };
  if (row.replayed_at !== null)
    return { id, outcome: 'skipped', error: `already replayed at ${row.replayed_at.toISOString()}` };
  if (!isProjectionName(row.projection))
    return { id, outcome: 'skipped', error: `unknown projection ${row.projection}` };
  const projection = PROJECTIONS[row.projection];
  const message = {
    offset: String(row.kafka_offset),
    key: row.raw_key,
    value: row.raw_value,
    headers: row.headers,
  };
  const [decoded] = await decodeMessages(deps.codec, [message]);
  const verdict = classifyMessage(projection, decoded!.decoded);
  if (verdict.kind === 'dead-letter') return { id, outcome: 'failed', error: verdict.error };
  await deps.db.transaction().execute(async (trx) => {
    await enterProjectorGate(trx, projection.name);
    const live = await trx
      .selectFrom('read_model.projections')
      .select('live_version')
      .where('projection', '=', projection.name)
      .forShare()
      .executeTakeFirstOrThrow();
    if (verdict.kind === 'apply') {
      await projection.applyBatch(trx, generationSchema(projection.name, live.live_version), [verdict.event]);
    }
    await trx
      .updateTable('read_model.dead_letters')
      .set({ replayed_at: new Date() })
      .where('id', '=', id)
      .execute();
  });
  return { id, outcome: verdict.kind === 'apply' ? 'applied' : 'not-applicable' };
}
