import { sql, type Kysely } from 'kysely';
import type { AlloEvent, AlloEventOf } from '@allo-pipeline/allo-events';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { EventVerdict, Projection } from '../projection.js';
import { compareEvents, uniqueByWebhookId, type ProjectionEvent } from '../projection-event.js';
import { jsonRows, setExcluded, table } from '../sql-helpers.js';
import { assertStorable, unstorableReason } from '../storable-event.js';
import { indexableText, storableDate, storableText } from '../storable.js';
import { bulkLoadMessages } from './messages-bulk.js';

type Db = Kysely<ReadModelDatabase>;
type SmsEvent = AlloEventOf<'sms.received' | 'sms.sent'>;

export const MESSAGE_TOPICS = ['sms.received', 'sms.sent'] as const;

const MESSAGE_COLUMNS = [
  'direction',
  'type',
  'content',
  'from_number',
  'to_number',
  'from_name',
  'to_name',
  'user_email',
  'sent_at',
  'last_event_at',
  'last_webhook_id',
  'data',
] as const;

export interface MessageState {
  message_id: string;
  direction: string | null;
  type: string | null;
  content: string | null;
  from_number: string | null;
  to_number: string | null;
  from_name: string | null;
  to_name: string | null;
  user_email: string | null;
  sent_at: Date;
  last_event_at: Date;
  last_webhook_id: string;
  data: Record<string, unknown>;
}

export function isSmsEvent(event: AlloEvent): event is SmsEvent {
  return event.topic === 'sms.received' || event.topic === 'sms.sent';
}

/**
 * The message row one event describes. Without a message id the delivery id stands in, so the
 * message is still stored once; without sent_at the event time stands in, so lists stay ordered.
 * The id and webhook id are given as stored (storable.ts), since the batch compares them before
 * Postgres does; indexed text is cut; everything else is made storable on its way (jsonRows).
 */
export function toMessageState({
  webhookId,
  occurredAt,
  event,
}: ProjectionEvent & { event: SmsEvent }): MessageState {
  const d = event.data;
  return {
    message_id: storableText(d.id ?? `sms:${webhookId}`),
    direction: indexableText(d.direction ?? (event.topic === 'sms.received' ? 'INBOUND' : 'OUTBOUND')),
    type: d.type,
    content: d.content,
    from_number: indexableText(d.from_number ?? d.sender_id),
    to_number: indexableText(d.to_number),
    from_name: d.from_name,
    to_name: d.to_name,
    user_email: d.user_email,
    sent_at: storableDate(d.sent_at) ?? occurredAt,
    last_event_at: occurredAt,
    last_webhook_id: storableText(webhookId),
    data: event.raw,
  };
}

/**
 * messages: sms.received and sms.sent. A message is written whole by its newest event (event
 * time, then webhook id); the upsert's WHERE clause keeps an older event from overwriting a newer
 * one, which makes the result independent of delivery order.
 *
 * Safe with several writers without entity locks (unlike calls and contacts, nothing is folded
 * from stored state, so no transaction can fold without another's uncommitted event):
 * - a message row is written whole by one statement, the upsert, whose WHERE compares with the
 *   stored row. Under READ COMMITTED, an upsert meeting another transaction's uncommitted insert
 *   or update of that message id waits for it to commit, then locks and compares with the row as
 *   committed (INSERT … ON CONFLICT DO UPDATE never misses a committed version): the newer event
 *   wins whichever commits last;
 * - applied_webhooks dedup is one insert per webhook id: a second transaction inserting the same
 *   id waits for the first, then skips it (committed) or inserts it (rolled back), so each
 *   delivery is applied once.
 * Rows go to both statements sorted by key, so two batches lock shared rows in one order (no
 * deadlock between them).
 */
export const MessagesProjection: Projection = {
  name: 'messages',
  codeVersion: 1,
  topics: MESSAGE_TOPICS,
  classify(event: AlloEvent): EventVerdict {
    if (!isSmsEvent(event)) return { kind: 'skip' };
    const unstorable = unstorableReason(event, { 'data.id': event.data.id });
    return unstorable === null ? { kind: 'apply' } : { kind: 'reject', error: unstorable };
  },
  bulkLoad: (session) => bulkLoadMessages(session),
  async applyBatch(db: Db, schema: string, events: readonly ProjectionEvent[]): Promise<void> {
    assertStorable(events);
    const states = uniqueByWebhookId(events)
      .filter((e): e is ProjectionEvent & { event: SmsEvent } => isSmsEvent(e.event))
      .map(toMessageState);
    const fresh = await markApplied(
      db,
      schema,
      states.map((s) => s.last_webhook_id),
    );
    const newest = new Map<string, MessageState>();
    for (const state of states.filter((s) => fresh.has(s.last_webhook_id))) {
      const current = newest.get(state.message_id);
      if (!current || compareStates(state, current) > 0) newest.set(state.message_id, state);
    }
    if (newest.size === 0) return;
    const rows = [...newest.values()].sort((a, b) => compareKeys(a.message_id, b.message_id));
    const messages = table(schema, 'messages');
    await sql`
      insert into ${messages}
      select * from jsonb_populate_recordset(null::${messages}, ${jsonRows(rows)})
      on conflict (message_id) do update set ${setExcluded(MESSAGE_COLUMNS)}
      where (excluded.last_event_at, excluded.last_webhook_id collate "C")
          > (${messages}.last_event_at, ${messages}.last_webhook_id collate "C")`.execute(db);
  },
};

async function markApplied(db: Db, schema: string, webhookIds: readonly string[]): Promise<Set<string>> {
  if (webhookIds.length === 0) return new Set();
  const sorted = [...new Set(webhookIds)].sort(compareKeys);
  const { rows } = await sql<{ webhook_id: string }>`
    insert into ${table(schema, 'applied_webhooks')} (webhook_id)
    select unnest(${sorted}::text[]) on conflict do nothing returning webhook_id`.execute(db);
  return new Set(rows.map((r) => r.webhook_id));
}

const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareStates(a: MessageState, b: MessageState): number {
  return compareEvents(
    { occurredAt: a.last_event_at, webhookId: a.last_webhook_id },
    { occurredAt: b.last_event_at, webhookId: b.last_webhook_id },
  );
}
