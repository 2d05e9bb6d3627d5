import { sql, type Kysely } from 'kysely';
import type { AlloEvent } from '@allo-pipeline/allo-events';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { EventVerdict, Projection } from '../projection.js';
import { uniqueByWebhookId, type ProjectionEvent } from '../projection-event.js';
import { groupBy, jsonRows, lockEntities, setExcluded, table } from '../sql-helpers.js';
import {
  CALL_CORRELATION_TOLERANCE_SECONDS,
  CALL_TOPICS,
  isCallEvent,
  toCallEventRow,
  type CallEvent,
  type CallEventRow,
} from './call-event-row.js';
import { foldCall, type FoldedCall } from './fold-call.js';

type Db = Kysely<ReadModelDatabase>;

const CALL_COLUMNS = [
  'direction',
  'from_number',
  'to_number',
  'from_name',
  'to_name',
  'user_email',
  'contact_id',
  'status',
  'result',
  'started_at',
  'duration_seconds',
  'summary',
  'recording_url',
  'transcript',
  'first_event_at',
  'last_event_at',
  'data',
] as const;

/**
 * calls and call_tags: call.*, tag.* and summary.updated, correlated and folded per call.
 *
 * One writer per call at a time (several projector instances, a dlq replay and a live batch
 * may apply events of one call at once, and each refolds whole rows under READ COMMITTED):
 * - before storing its events, a batch locks (lockEntities) every number pair its ringing and
 *   completed events correlate on, then every call key its events name (own keys), each class
 *   sorted, pairs first. Two batches that can correlate the same ringing event with the same call
 *   share a pair lock, so correlation never runs on both sides of a match at once;
 * - once correlation has decided which calls the batch touches, it locks those it did not lock
 *   yet (sorted) before reading their events and writing their rows, so a call is refolded only
 *   by the one transaction holding its key: no row is folded without another's committed event.
 * Pair locks are only ever taken before key locks, so waits cannot form a cycle through them;
 * the late key locks could in principle meet another batch's in reverse order: Postgres then
 * aborts one (deadlock, SQLSTATE 40P01), which the runtime retries as transient.
 */
export const CallsProjection: Projection = {
  name: 'calls',
  codeVersion: 1,
  topics: CALL_TOPICS,
  classify(event: AlloEvent): EventVerdict {
    if (!isCallEvent(event)) return { kind: 'skip' };
    if (event.topic === 'tag.added' || event.topic === 'tag.removed') {
      if (event.data.call_id === null)
        return { kind: 'reject', error: `${event.topic} names no call (data.call_id)` };
      if (event.data.tags.length === 0)
        return { kind: 'reject', error: `${event.topic} names no tag (data.tag)` };
    }
    if (event.topic === 'summary.updated' && event.data.call_id === null) {
      return { kind: 'reject', error: 'summary.updated names no call (data.call_id)' };
    }
    return { kind: 'apply' };
  },
  async applyBatch(db: Db, schema: string, events: readonly ProjectionEvent[]): Promise<void> {
    const rows = uniqueByWebhookId(events)
      .filter((e): e is ProjectionEvent & { event: CallEvent } => isCallEvent(e.event))
      .map(toCallEventRow);
    const ownKeys = [...new Set(rows.map((r) => r.own_key))].sort();
    await lockEntities(db, schema, [...pairKeys(rows), ...ownKeys.map((key) => `call:${key}`)]);
    const inserted = await insertCallEvents(db, schema, rows);
    if (inserted.length === 0) return;
    const moved = await correlateRingingEvents(db, schema, inserted);
    const touched = await keysOf(db, schema, inserted);
    for (const { old_key, new_key } of moved) touched.add(old_key).add(new_key);
    const locked = new Set(ownKeys);
    const late = [...touched].filter((key) => !locked.has(key)).sort();
    await lockEntities(
      db,
      schema,
      late.map((key) => `call:${key}`),
    );
    await refoldCalls(db, schema, [...touched]);
  },
};

/** Lock keys of the number pairs the batch's correlatable events meet on, sorted. */
function pairKeys(rows: readonly CallEventRow[]): string[] {
  const pairs = rows
    .filter((r) => r.kind !== 'plain')
    .map((r) => `pair:${r.from_number ?? ''}|${r.to_number ?? ''}`);
  return [...new Set(pairs)].sort();
}

/** Stores new events; returns the webhook ids that were not already applied (dedup). */
async function insertCallEvents(db: Db, schema: string, rows: readonly CallEventRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const { rows: inserted } = await sql<{ webhook_id: string }>`
    insert into ${table(schema, 'call_events')}
      (webhook_id, call_key, own_key, kind, topic, occurred_at, from_number, to_number, started_at, payload)
    select r.webhook_id, r.own_key, r.own_key, r.kind, r.topic, r.occurred_at, r.from_number, r.to_number,
           r.started_at, r.payload
    from jsonb_to_recordset(${jsonRows(rows)}) as r(webhook_id text, own_key text, kind text, topic text,
      occurred_at timestamptz, from_number text, to_number text, started_at timestamptz, payload jsonb)
    on conflict (webhook_id) do nothing
    returning webhook_id`.execute(db);
  return inserted.map((r) => r.webhook_id);
}

/**
 * Re-evaluates which call every affected ringing event belongs to: the new floating events, and
 * floating events near a new anchor. The choice is a function of the stored event set alone
 * (nearest start time, then smallest call id), so it converges whatever the delivery order.
 */
async function correlateRingingEvents(
  db: Db,
  schema: string,
  webhookIds: readonly string[],
): Promise<Array<{ old_key: string; new_key: string }>> {
  const events = table(schema, 'call_events');
  const tolerance = sql`(${CALL_CORRELATION_TOLERANCE_SECONDS} * interval '1 second')`;
  const { rows } = await sql<{ old_key: string; new_key: string }>`
    with new_events as (select * from ${events} where webhook_id = any(${webhookIds}::text[])),
    affected as (
      select webhook_id from new_events where kind = 'floating'
      union
      select f.webhook_id from ${events} f join new_events a
        on a.kind = 'anchor' and f.kind = 'floating' and f.from_number = a.from_number
       and f.to_number = a.to_number and f.started_at between a.started_at - ${tolerance} and a.started_at + ${tolerance}
    ),
    best as (
      select distinct on (f.webhook_id) f.webhook_id, a.own_key as anchor_key
      from ${events} f join ${events} a
        on a.kind = 'anchor' and a.from_number = f.from_number and a.to_number = f.to_number
       and a.started_at between f.started_at - ${tolerance} and f.started_at + ${tolerance}
      where f.webhook_id in (select webhook_id from affected)
      order by f.webhook_id, abs(extract(epoch from a.started_at - f.started_at)), a.own_key
    ),
    target as (
      select f.webhook_id, f.call_key as old_key, coalesce(b.anchor_key, f.own_key) as new_key
      from ${events} f join affected using (webhook_id) left join best b using (webhook_id)
    )
    update ${events} e set call_key = t.new_key from target t
    where e.webhook_id = t.webhook_id and e.call_key <> t.new_key
    returning t.old_key, t.new_key`.execute(db);
  return rows;
}

async function keysOf(db: Db, schema: string, webhookIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await sql<{ call_key: string }>`
    select distinct call_key from ${table(schema, 'call_events')} where webhook_id = any(${webhookIds}::text[])`.execute(
    db,
  );
  return new Set(rows.map((r) => r.call_key));
}

/** Folds each touched call from all of its events and writes the rows; calls left empty go. */
async function refoldCalls(db: Db, schema: string, keys: readonly string[]): Promise<void> {
  const { rows } = await sql<
    Pick<CallEventRow, 'webhook_id' | 'occurred_at' | 'payload'> & { call_key: string }
  >`
    select call_key, webhook_id, occurred_at, payload from ${table(schema, 'call_events')}
    where call_key = any(${keys}::text[])`.execute(db);
  const byKey = groupBy(rows, (row) => row.call_key);
  const folded: FoldedCall[] = [...byKey].map(([key, events]) => foldCall(key, events));
  const empty = keys.filter((key) => !byKey.has(key));
  await sql`delete from ${table(schema, 'call_tags')} where call_id = any(${keys}::text[])`.execute(db);
  if (empty.length > 0) {
    await sql`delete from ${table(schema, 'calls')} where call_id = any(${empty}::text[])`.execute(db);
  }
  if (folded.length === 0) return;
  await sql`
    insert into ${table(schema, 'calls')}
    select * from jsonb_populate_recordset(null::${table(schema, 'calls')}, ${jsonRows(folded.map((f) => f.call))})
    on conflict (call_id) do update set ${setExcluded(CALL_COLUMNS)}`.execute(db);
  const tags = folded.flatMap((f) => f.tags);
  if (tags.length === 0) return;
  await sql`
    insert into ${table(schema, 'call_tags')}
    select * from jsonb_populate_recordset(null::${table(schema, 'call_tags')}, ${jsonRows(tags)})`.execute(
    db,
  );
}
