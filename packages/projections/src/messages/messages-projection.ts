import { sql, type Kysely } from 'kysely';
import type { AlloEvent, AlloEventOf } from '@allo-pipeline/allo-events';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { EventVerdict, Projection } from '../projection.js';
import { compareEvents, uniqueByWebhookId, type ProjectionEvent } from '../projection-event.js';
import { jsonRows, setExcluded, table } from '../sql-helpers.js';
import { storableDate } from '../storable.js';

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

function isSmsEvent(event: AlloEvent): event is SmsEvent {
  return event.topic === 'sms.received' || event.topic === 'sms.sent';
}

/**
 * The message row one event describes. Without a message id the delivery id stands in, so the
 * message is still stored once; without sent_at the event time stands in, so lists stay ordered.
 */
export function toMessageState({
  webhookId,
  occurredAt,
  event,
}: ProjectionEvent & { event: SmsEvent }): MessageState {
  const d = event.data;
  return {
    message_id: d.id ?? `sms:${webhookId}`,
    direction: d.direction ?? (event.topic === 'sms.received' ? 'INBOUND' : 'OUTBOUND'),
    type: d.type,
    content: d.content,
    from_number: d.from_number ?? d.sender_id,
    to_number: d.to_number,
    from_name: d.from_name,
    to_name: d.to_name,
    user_email: d.user_email,
    sent_at: storableDate(d.sent_at) ?? occurredAt,
    last_event_at: occurredAt,
    last_webhook_id: webhookId,
    data: event.raw,
  };
}

/**
 * messages: sms.received and sms.sent. A message is written whole by its newest event (event
 * time, then webhook id); the upsert's WHERE clause keeps an older event from overwriting a newer
 * one, which makes the result independent of delivery order.
 *
 * Safe with several writers without entity locks: nothing is read before it is written. Two
 * transactions upserting one message id serialise on its row (the second waits for the first's
 * commit, then re-evaluates the WHERE clause against the committed row), and two applying one
 * webhook id serialise on applied_webhooks' primary key (the second then skips it).
 */
export const MessagesProjection: Projection = {
  name: 'messages',
  codeVersion: 1,
  topics: MESSAGE_TOPICS,
  classify(event: AlloEvent): EventVerdict {
    return isSmsEvent(event) ? { kind: 'apply' } : { kind: 'skip' };
  },
  async applyBatch(db: Db, schema: string, events: readonly ProjectionEvent[]): Promise<void> {
    const candidates = uniqueByWebhookId(events).filter((e): e is ProjectionEvent & { event: SmsEvent } =>
      isSmsEvent(e.event),
    );
    const fresh = await markApplied(
      db,
      schema,
      candidates.map((e) => e.webhookId),
    );
    const newest = new Map<string, MessageState>();
    for (const state of candidates.filter((e) => fresh.has(e.webhookId)).map(toMessageState)) {
      const current = newest.get(state.message_id);
      if (!current || compareStates(state, current) > 0) newest.set(state.message_id, state);
    }
    if (newest.size === 0) return;
    const messages = table(schema, 'messages');
    await sql`
      insert into ${messages}
      select * from jsonb_populate_recordset(null::${messages}, ${jsonRows([...newest.values()])})
      on conflict (message_id) do update set ${setExcluded(MESSAGE_COLUMNS)}
      where (excluded.last_event_at, excluded.last_webhook_id collate "C")
          > (${messages}.last_event_at, ${messages}.last_webhook_id collate "C")`.execute(db);
  },
};

async function markApplied(db: Db, schema: string, webhookIds: readonly string[]): Promise<Set<string>> {
  if (webhookIds.length === 0) return new Set();
  const { rows } = await sql<{ webhook_id: string }>`
    insert into ${table(schema, 'applied_webhooks')} (webhook_id)
    select unnest(${webhookIds}::text[]) on conflict do nothing returning webhook_id`.execute(db);
  return new Set(rows.map((r) => r.webhook_id));
}

function compareStates(a: MessageState, b: MessageState): number {
  return compareEvents(
    { occurredAt: a.last_event_at, webhookId: a.last_webhook_id },
    { occurredAt: b.last_event_at, webhookId: b.last_webhook_id },
  );
}
