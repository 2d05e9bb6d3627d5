import type { BulkLoad, BulkSession } from '../bulk/bulk-session.js';
import type { CopyColumn } from '../bulk/copy-text.js';
import type { ProjectionEvent } from '../projection-event.js';
import { assertStorable } from '../storable-event.js';
import { storableText } from '../storable.js';
import {
  CALL_CORRELATION_TOLERANCE_SECONDS,
  isCallEvent,
  toCallEventRow,
  type CallEventRow,
} from './call-event-row.js';
import { foldCall } from './fold-call.js';

// The calls projection's bulk load (a rebuild into a generation nobody reads yet):
// 1. each new event (first delivery of its webhook id) is COPYed into call_events as applyBatch
//    would store it (toCallEventRow), with call_key = own_key;
// 2. the correlation index is built, and every floating event moves to its best anchor with the
//    very rule correlateRingingEvents applies (nearest start, then smallest call id), which depends
//    on the stored event set alone, so applying it once to the whole set gives what any order of
//    batches converges to;
// 3. the other indexes are built, and one pass over call_events ordered by call_key folds each
//    call with foldCall (as refoldCalls does) and COPYs calls and call_tags.
// Memory: the webhook ids seen (for dedup) and the events of one call at a time.

const EVENT_COLUMNS: readonly CopyColumn[] = [
  { name: 'webhook_id', kind: 'text' },
  { name: 'call_key', kind: 'text' },
  { name: 'own_key', kind: 'text' },
  { name: 'kind', kind: 'text' },
  { name: 'topic', kind: 'text' },
  { name: 'occurred_at', kind: 'timestamptz' },
  { name: 'from_number', kind: 'text' },
  { name: 'to_number', kind: 'text' },
  { name: 'started_at', kind: 'timestamptz' },
  { name: 'payload', kind: 'jsonb' },
];

const CALL_COLUMNS: readonly CopyColumn[] = [
  { name: 'call_id', kind: 'text' },
  { name: 'direction', kind: 'text' },
  { name: 'from_number', kind: 'text' },
  { name: 'to_number', kind: 'text' },
  { name: 'from_name', kind: 'text' },
  { name: 'to_name', kind: 'text' },
  { name: 'user_email', kind: 'text' },
  { name: 'contact_id', kind: 'text' },
  { name: 'status', kind: 'text' },
  { name: 'result', kind: 'text' },
  { name: 'started_at', kind: 'timestamptz' },
  { name: 'duration_seconds', kind: 'integer' },
  { name: 'summary', kind: 'text' },
  { name: 'recording_url', kind: 'text' },
  { name: 'transcript', kind: 'jsonb' },
  { name: 'first_event_at', kind: 'timestamptz' },
  { name: 'last_event_at', kind: 'timestamptz' },
  { name: 'data', kind: 'jsonb' },
];

const TAG_COLUMNS: readonly CopyColumn[] = [
  { name: 'call_id', kind: 'text' },
  { name: 'tag', kind: 'text' },
  { name: 'present', kind: 'text' },
  { name: 'changed_at', kind: 'timestamptz' },
];

const FOLD_CHUNK = 5000;

type StoredEvent = Pick<CallEventRow, 'webhook_id' | 'occurred_at' | 'payload'> & { call_key: string };

/** Starts a bulk load of the calls projection into `session`'s generation (see above). */
export function bulkLoadCalls(session: BulkSession): BulkLoad {
  const seen = new Set<string>();
  const events = session.copyInto('call_events', EVENT_COLUMNS);
  return {
    async add(event: ProjectionEvent): Promise<void> {
      assertStorable([event]);
      if (!isCallEvent(event.event)) return;
      const id = storableText(event.webhookId);
      if (seen.has(id)) return;
      seen.add(id);
      const row = toCallEventRow({ ...event, event: event.event });
      await events.write([
        row.webhook_id,
        row.own_key,
        row.own_key,
        row.kind,
        row.topic,
        row.occurred_at,
        row.from_number,
        row.to_number,
        row.started_at,
        row.payload,
      ]);
    },
    async finish(): Promise<void> {
      await events.end();
      seen.clear();
      await session.restoreIndexes('call_events', (definition) => / WHERE /i.test(definition));
      await session.run(correlateAll(session.schema));
      await session.restoreIndexes('call_events');
      await foldAll(session);
      await session.restoreIndexes('calls');
      await session.restoreIndexes('call_tags');
    },
  };
}

/** correlateRingingEvents' choice, for every floating event at once. */
function correlateAll(schema: string): string {
  const events = `${schema}.call_events`;
  const tolerance = `(${CALL_CORRELATION_TOLERANCE_SECONDS} * interval '1 second')`;
  return `
    with best as (
      select distinct on (f.webhook_id) f.webhook_id, a.own_key as anchor_key
      from ${events} f join ${events} a
        on a.kind = 'anchor' and a.from_number = f.from_number and a.to_number = f.to_number
       and a.started_at between f.started_at - ${tolerance} and f.started_at + ${tolerance}
      where f.kind = 'floating'
      order by f.webhook_id, abs(extract(epoch from a.started_at - f.started_at)), a.own_key
    )
    update ${events} e set call_key = b.anchor_key from best b
    where e.webhook_id = b.webhook_id and e.call_key <> b.anchor_key`;
}

/** refoldCalls for every call: one ordered pass, one call's events in memory at a time. */
async function foldAll(session: BulkSession): Promise<void> {
  const calls = session.copyInto('calls', CALL_COLUMNS);
  const tags = session.copyInto('call_tags', TAG_COLUMNS);
  let key: string | undefined;
  let group: StoredEvent[] = [];
  const flush = async () => {
    if (key === undefined || group.length === 0) return;
    const { call, tags: states } = foldCall(key, group);
    await calls.write(CALL_COLUMNS.map((c) => call[c.name as keyof typeof call]));
    for (const t of states) await tags.write([t.call_id, t.tag, t.present ? 't' : 'f', t.changed_at]);
  };
  try {
    await session.eachChunk<StoredEvent>(
      `select call_key, webhook_id, occurred_at, payload from ${session.schema}.call_events order by call_key`,
      FOLD_CHUNK,
      async (rows) => {
        for (const row of rows) {
          if (row.call_key !== key) {
            await flush();
            key = row.call_key;
            group = [];
          }
          group.push(row);
        }
      },
    );
    await flush();
  } finally {
    await Promise.all([calls.end(), tags.end()]);
  }
}
