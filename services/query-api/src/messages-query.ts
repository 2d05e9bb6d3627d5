import type { Kysely } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { ListQuery } from './query-params.js';
import { afterKey, cursorTime, toPage, type Keyset, type Page } from './keyset.js';
import type { MessagesFilter } from './messages-params.js';
import { MESSAGE_ITEM_COLUMNS, toMessageItem, type MessageItem } from './resource-json.js';

type Db = Kysely<ReadModelDatabase>;

export const MESSAGES_KEYSET: Keyset = { time: 'm.sent_at', id: 'm.message_id', order: 'desc' };
const CONVERSATION_KEYSET: Keyset = { ...MESSAGES_KEYSET, order: 'asc' };

function selectMessages(db: Db) {
  return db
    .selectFrom('read_model.messages as m')
    .select(MESSAGE_ITEM_COLUMNS.map((column) => `m.${column}` as const))
    .select(cursorTime(MESSAGES_KEYSET.time).as('cursor_time'));
}

/** One page of messages matching every given filter, in (sent_at desc, message_id desc) order. */
export async function listMessages(db: Db, query: ListQuery<MessagesFilter>): Promise<Page<MessageItem>> {
  const { number, direction, since, until } = query.filter;
  let select = selectMessages(db);
  if (number !== undefined) {
    select = select.where((eb) => eb.or([eb('m.from_number', '=', number), eb('m.to_number', '=', number)]));
  }
  if (direction !== undefined) select = select.where('m.direction', '=', direction);
  if (since !== undefined) select = select.where('m.sent_at', '>=', since);
  if (until !== undefined) select = select.where('m.sent_at', '<', until);
  if (query.after) select = select.where(afterKey(MESSAGES_KEYSET, query.after));
  const rows = await select
    .orderBy('m.sent_at', 'desc')
    .orderBy('m.message_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, { kind: 'messages', id: (row) => row.message_id }, toMessageItem);
}

/** The messages exchanged with one number, oldest first (sent_at asc, message_id asc). */
export async function listConversation(
  db: Db,
  query: ListQuery<{ readonly number: string }>,
): Promise<Page<MessageItem>> {
  const { number } = query.filter;
  let select = selectMessages(db).where((eb) =>
    eb.or([eb('m.from_number', '=', number), eb('m.to_number', '=', number)]),
  );
  if (query.after) select = select.where(afterKey(CONVERSATION_KEYSET, query.after));
  const rows = await select
    .orderBy('m.sent_at', 'asc')
    .orderBy('m.message_id', 'asc')
    .limit(query.limit + 1)
    .execute();
  return toPage(
    rows,
    query.limit,
    { kind: 'conversation', scope: number, id: (row) => row.message_id },
    toMessageItem,
  );
}
