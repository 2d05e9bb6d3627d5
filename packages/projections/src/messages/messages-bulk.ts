import type { BulkLoad, BulkSession } from '../bulk/bulk-session.js';
import type { CopyColumn } from '../bulk/copy-text.js';
import type { ProjectionEvent } from '../projection-event.js';
import { assertStorable } from '../storable-event.js';
import { isSmsEvent, toMessageState } from './messages-projection.js';

// The messages projection's bulk load: every new event (first delivery of its webhook id) is
// COPYed as its whole message row (toMessageState) into messages, which has no primary key
// during the load, and its webhook id into applied_webhooks. Then, per message id, every row but
// the newest by (last_event_at, last_webhook_id collate "C") is deleted: the comparison of the
// live upsert's WHERE clause, so the survivor is the row any batching ends with. Then the
// primary keys and indexes are built. Memory: the webhook ids seen.

const MESSAGE_COLUMNS: readonly CopyColumn[] = [
  { name: 'message_id', kind: 'text' },
  { name: 'direction', kind: 'text' },
  { name: 'type', kind: 'text' },
  { name: 'content', kind: 'text' },
  { name: 'from_number', kind: 'text' },
  { name: 'to_number', kind: 'text' },
  { name: 'from_name', kind: 'text' },
  { name: 'to_name', kind: 'text' },
  { name: 'user_email', kind: 'text' },
  { name: 'sent_at', kind: 'timestamptz' },
  { name: 'last_event_at', kind: 'timestamptz' },
  { name: 'last_webhook_id', kind: 'text' },
  { name: 'data', kind: 'jsonb' },
];

/** Starts a bulk load of the messages projection into `session`'s generation (see above). */
export function bulkLoadMessages(session: BulkSession): BulkLoad {
  const seen = new Set<string>();
  const messages = session.copyInto('messages', MESSAGE_COLUMNS);
  const applied = session.copyInto('applied_webhooks', [{ name: 'webhook_id', kind: 'text' }]);
  return {
    async add(event: ProjectionEvent): Promise<void> {
      assertStorable([event]);
      if (!isSmsEvent(event.event)) return;
      const state = toMessageState({ ...event, event: event.event });
      if (seen.has(state.last_webhook_id)) return;
      seen.add(state.last_webhook_id);
      await applied.write([state.last_webhook_id]);
      await messages.write(MESSAGE_COLUMNS.map((c) => state[c.name as keyof typeof state]));
    },
    async finish(): Promise<void> {
      await Promise.all([messages.end(), applied.end()]);
      seen.clear();
      const table = `${session.schema}.messages`;
      await session.run(`
        with ranked as (
          select ctid, row_number() over (partition by message_id
            order by last_event_at desc, last_webhook_id collate "C" desc) as n
          from ${table}
          where message_id in (select message_id from ${table} group by message_id having count(*) > 1))
        delete from ${table} m using ranked r where m.ctid = r.ctid and r.n > 1`);
      await session.restoreIndexes('messages');
      await session.restoreIndexes('applied_webhooks');
    },
  };
}
