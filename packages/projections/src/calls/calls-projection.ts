import { sql, type Kysely } from 'kysely';
import type { AlloEvent } from '@allo-pipeline/allo-events';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { EventVerdict, Projection } from '../projection.js';
import { uniqueByWebhookId, type ProjectionEvent } from '../projection-event.js';
import { beginEntityLocks } from '../entity-locks.js';
import { groupBy, jsonRows, setExcluded, table } from '../sql-helpers.js';
import { assertStorable, unstorableReason } from '../storable-event.js';
import { storableText } from '../storable.js';
import {
  CALL_CORRELATION_TOLERANCE_SECONDS,
  CALL_TOPICS,
  callIdPath,
  explicitCallId,
  isCallEvent,
  toCallEventRow,
  type CallEvent,
  type CallEventRow,
} from './call-event-row.js';
import { foldCall, type FoldedCall } from './fold-call.js';
import { bulkLoadCalls } from './calls-bulk.js';

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
 * One writer per call at a time (entity-locks.ts): correlation moves a ringing event (numbers and
 * a start time, no call id) into the call it matches, and any event of a call refolds its whole
 * row, so any two batches that can touch one call row run one after the other. A batch locks:
 * 1. the number pairs (`pair:<from>|<to>`) of its ringing and completed events, sorted. Only a
 *    holder of a pair stores or moves correlatable events with those numbers, so a ringing event
 *    and the completion it matches are correlated on one side at a time, after the other side
 *    committed;
 * 2. then, in one sorted pass, the call keys (`call:<key>`) it may touch: its events' own keys,
 *    and the keys of every stored event with its numbers starting within twice the correlation
 *    window of one of its events, which covers every call correlation can move an event out of
 *    or into (nearbyCallKeys). Tags and summaries name only the call id and meet here.
 * Only then does it store, correlate, read and refold. Pairs before keys, each in one sorted
 * pass: no two batches wait on each other in a cycle. A key correlation touched beyond step 2 is
 * locked before the refold all the same (a guard; none is expected).
 */
export const CallsProjection: Projection = {
  name: 'calls',
  codeVersion: 1,
  topics: CALL_TOPICS,
  classify(event: AlloEvent): EventVerdict {
    if (!isCallEvent(event)) return { kind: 'skip' };
    const unstorable = unstorableReason(event, { [callIdPath(event)]: explicitCallId(event) });
    if (unstorable !== null) return { kind: 'reject', error: unstorable };
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
  bulkLoad: (session) => bulkLoadCalls(session),
  async applyBatch(db: Db, schema: string, events: readonly ProjectionEvent[]): Promise<void> {
    assertStorable(events);
    const rows = uniqueByWebhookId(events)
      .filter((e): e is ProjectionEvent & { event: CallEvent } => isCallEvent(e.event))
      .map(toCallEventRow);
    if (rows.length === 0) return;
    // Keys as stored, so that they compare equal to the call keys read back below.
    const ownKeys = rows.map((r) => storableText(r.own_key));
    const pairs = pairKeys(rows);
    const locks = await beginEntityLocks(db, schema, pairs.length + new Set(ownKeys).size);
    await locks.add(pairs);
    const nearby = locks.wholeGeneration ? [] : await nearbyCallKeys(db, schema, rows);
    const locked = new Set([...ownKeys, ...nearby]);
    await locks.add(sortedUnique([...locked]).map(callLockKey));
    const inserted = await insertCallEvents(db, schema, rows);
    if (inserted.length === 0) return;
    const moved = await correlateRingingEvents(db, schema, inserted);
    const touched = await keysOf(db, schema, inserted);
    for (const { old_key, new_key } of moved) touched.add(old_key).add(new_key);
    await locks.add(sortedUnique([...touched].filter((key) => !locked.has(key))).map(callLockKey));
    await refoldCalls(db, schema, [...touched]);
  },
};

const callLockKey = (key: string): string => `call:${key}`;

/** Lock keys of the number pairs the batch's correlatable events meet on, sorted. */
function pairKeys(rows: readonly CallEventRow[]): string[] {
  return sortedUnique(
    rows.filter((r) => r.kind !== 'plain').map((r) => `pair:${r.from_number ?? ''}|${r.to_number ?? ''}`),
  );
}

function sortedUnique(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort();
}

/**
 * The call and own keys of stored correlatable events with the numbers of one of `rows`' and a
 * start within twice the window of its start: a new ringing event joins an anchor within one
 * window; a new anchor takes ringing events within one window, out of their call into the anchor
 * nearest them, within one more. Stable while the batch holds the pairs.
 */
async function nearbyCallKeys(db: Db, schema: string, rows: readonly CallEventRow[]): Promise<string[]> {
  const correlatable = rows
    .filter((r) => r.kind !== 'plain')
    .map(({ from_number, to_number, started_at }) => ({ from_number, to_number, started_at }));
  if (correlatable.length === 0) return [];
  const reach = sql`(${2 * CALL_CORRELATION_TOLERANCE_SECONDS} * interval '1 second')`;
  const { rows: keys } = await sql<{ key: string }>`
    select distinct k.key from ${table(schema, 'call_events')} e
    join jsonb_to_recordset(${jsonRows(correlatable)}) as r(from_number text, to_number text, started_at timestamptz)
      on e.kind <> 'plain' and e.from_number = r.from_number and e.to_number = r.to_number
     and e.started_at between r.started_at - ${reach} and r.started_at + ${reach}
    cross join lateral (values (e.call_key), (e.own_key)) as k(key)`.execute(db);
  return keys.map((k) => k.key);
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
