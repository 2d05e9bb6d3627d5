import { sql, type Kysely } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { readPresentTags } from './calls-query.js';
import type { CursorKey } from './cursor.js';
import { cursorTime, toPage, type Page } from './keyset.js';
import type { ListQuery } from './query-params.js';
import {
  CALL_ITEM_COLUMNS,
  iso,
  MESSAGE_ITEM_COLUMNS,
  toCallItem,
  toMessageItem,
  type CallItem,
  type CallItemRow,
  type MessageItem,
  type MessageItemRow,
} from './resource-json.js';

type Db = Kysely<ReadModelDatabase>;

export type TimelineItem =
  { kind: 'call'; at: string; call: CallItem } | { kind: 'message'; at: string; message: MessageItem };

/** A timeline row before the page is cut: its sort key (time, rank, id) and its row. */
export type TimelineEntry =
  | { rank: 0; cursor_time: string; id: string; call: CallItemRow }
  | { rank: 1; cursor_time: string; id: string; message: MessageItemRow };

// A call sorts by its start, or by its first event when the start is unknown (a stub call); a
// message by sent_at, else its last event. At equal times messages come first (rank 1 > 0).
const CALL_AT = sql`coalesce(c.started_at, c.first_event_at)`;
const MESSAGE_AT = sql`coalesce(m.sent_at, m.last_event_at)`;

/**
 * The calls and messages of a contact, newest first: calls linked to the contact or to/from one of
 * its numbers, and messages to/from one of its numbers. Undefined when the contact is unknown.
 */
export async function readContactTimeline(
  db: Db,
  query: ListQuery<{ contactId: string }>,
): Promise<Page<TimelineItem> | undefined> {
  const { contactId } = query.filter;
  const contact = await db
    .selectFrom('read_model.contacts')
    .select('numbers')
    .where('contact_id', '=', contactId)
    .executeTakeFirst();
  if (!contact) return undefined;
  const [calls, messages] = await Promise.all([
    timelineCalls(db, contactId, contact.numbers, query),
    contact.numbers.length > 0 ? timelineMessages(db, contact.numbers, query) : [],
  ]);
  const entries = mergeTimeline(calls, messages).slice(0, query.limit + 1);
  const callIds = entries.slice(0, query.limit).flatMap((e) => ('call' in e ? [e.call.call_id] : []));
  const tags = await readPresentTags(db, callIds);
  return toPage(
    entries,
    query.limit,
    { kind: 'timeline', scope: contactId, id: (e) => e.id, rank: (e) => e.rank },
    (e): TimelineItem =>
      'call' in e
        ? {
            kind: 'call',
            at: iso(e.call.started_at ?? e.call.first_event_at),
            call: toCallItem(e.call, tags.get(e.id) ?? []),
          }
        : {
            kind: 'message',
            at: iso(e.message.sent_at ?? e.message.last_event_at),
            message: toMessageItem(e.message),
          },
  );
}

async function timelineCalls(
  db: Db,
  contactId: string,
  numbers: readonly string[],
  query: ListQuery<unknown>,
): Promise<TimelineEntry[]> {
  let select = db
    .selectFrom('read_model.calls as c')
    .select(CALL_ITEM_COLUMNS.map((column) => `c.${column}` as const))
    .select(cursorTime(CALL_AT).as('cursor_time'))
    .where((eb) =>
      eb.or([
        eb('c.contact_id', '=', contactId),
        ...(numbers.length > 0 ? [eb('c.from_number', 'in', numbers), eb('c.to_number', 'in', numbers)] : []),
      ]),
    );
  if (query.after) select = select.where(afterTimelineKey(CALL_AT, 0, sql.ref('c.call_id'), query.after));
  const rows = await select
    .orderBy(CALL_AT, 'desc')
    .orderBy('c.call_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return rows.map((row) => ({ rank: 0, cursor_time: row.cursor_time ?? '', id: row.call_id, call: row }));
}

async function timelineMessages(
  db: Db,
  numbers: readonly string[],
  query: ListQuery<unknown>,
): Promise<TimelineEntry[]> {
  let select = db
    .selectFrom('read_model.messages as m')
    .select(MESSAGE_ITEM_COLUMNS.map((column) => `m.${column}` as const))
    .select(cursorTime(MESSAGE_AT).as('cursor_time'))
    .where((eb) => eb.or([eb('m.from_number', 'in', numbers), eb('m.to_number', 'in', numbers)]));
  if (query.after)
    select = select.where(afterTimelineKey(MESSAGE_AT, 1, sql.ref('m.message_id'), query.after));
  const rows = await select
    .orderBy(MESSAGE_AT, 'desc')
    .orderBy('m.message_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return rows.map((row) => ({
    rank: 1,
    cursor_time: row.cursor_time ?? '',
    id: row.message_id,
    message: row,
  }));
}

// (time, rank, id) descending; both times are never NULL here (coalesce with a NOT NULL column).
function afterTimelineKey(at: typeof CALL_AT, rank: 0 | 1, id: ReturnType<typeof sql.ref>, key: CursorKey) {
  return sql<boolean>`((${at}, ${sql.lit(rank)}, ${id}) < (${key.time}::timestamptz, ${key.rank}::int, ${key.id}))`;
}

/**
 * Merges two lists each sorted newest first into one: by time, then messages before calls at
 * the same time; within one kind the database's (time, id) order is kept. Pure.
 */
export function mergeTimeline(
  calls: readonly TimelineEntry[],
  messages: readonly TimelineEntry[],
): TimelineEntry[] {
  const merged: TimelineEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < calls.length || j < messages.length) {
    const call = calls[i];
    const message = messages[j];
    // ISO strings of equal width compare like the times they spell.
    if (message && (!call || message.cursor_time >= call.cursor_time)) {
      merged.push(message);
      j += 1;
    } else if (call) {
      merged.push(call);
      i += 1;
    }
  }
  return merged;
}
