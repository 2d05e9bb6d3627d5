import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { CallsTable, ReadModelDatabase } from '@allo-pipeline/read-models';
import type { CallsFilter } from './calls-params.js';
import type { ListQuery } from './query-params.js';
import { afterKey, cursorTime, toPage, type Keyset, type Page } from './keyset.js';
import { CALL_ITEM_COLUMNS, toCallDetail, toCallItem, type CallItem } from './resource-json.js';

type Db = Kysely<ReadModelDatabase>;
type CallsSelect<O> = SelectQueryBuilder<ReadModelDatabase & { c: CallsTable }, 'c', O>;

/** Newest first; stub calls (a tag arrived before the call) have no start time and come first. */
export const CALLS_KEYSET: Keyset = { time: 'c.started_at', id: 'c.call_id', order: 'desc' };

/** One page of calls matching every given filter, in (started_at desc, call_id desc) order. */
export async function listCalls(db: Db, query: ListQuery<CallsFilter>): Promise<Page<CallItem>> {
  let select = db
    .selectFrom('read_model.calls as c')
    .select(CALL_ITEM_COLUMNS.map((column) => `c.${column}` as const))
    .select(cursorTime(CALLS_KEYSET.time).as('cursor_time'));
  select = applyCallsFilter(select, query.filter);
  if (query.after) select = select.where(afterKey(CALLS_KEYSET, query.after));
  const rows = await select
    .orderBy('c.started_at', 'desc')
    .orderBy('c.call_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const tags = await readPresentTags(
    db,
    rows.slice(0, query.limit).map((row) => row.call_id),
  );
  return toPage(rows, query.limit, { kind: 'calls', id: (row) => row.call_id }, (row) =>
    toCallItem(row, tags.get(row.call_id) ?? []),
  );
}

function applyCallsFilter<O>(select: CallsSelect<O>, filter: CallsFilter): CallsSelect<O> {
  const { number, direction, status, result, tag, contactId, since, until } = filter;
  if (number !== undefined) {
    select = select.where((eb) => eb.or([eb('c.from_number', '=', number), eb('c.to_number', '=', number)]));
  }
  if (direction !== undefined) select = select.where('c.direction', '=', direction);
  if (status !== undefined) select = select.where('c.status', '=', status);
  if (result !== undefined) select = select.where('c.result', '=', result);
  if (contactId !== undefined) select = select.where('c.contact_id', '=', contactId);
  if (since !== undefined) select = select.where('c.started_at', '>=', since);
  if (until !== undefined) select = select.where('c.started_at', '<', until);
  if (tag !== undefined) {
    select = select.where((eb) =>
      eb.exists(
        eb
          .selectFrom('read_model.call_tags as t')
          .select('t.call_id')
          .whereRef('t.call_id', '=', 'c.call_id')
          .where('t.tag', '=', tag)
          .where('t.present', '=', true),
      ),
    );
  }
  return select;
}

/** A call with its present tags, transcript and raw data, or undefined when the id is unknown. */
export async function getCall(db: Db, id: string): Promise<ReturnType<typeof toCallDetail> | undefined> {
  const row = await db
    .selectFrom('read_model.calls')
    .selectAll()
    .where('call_id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const tags = await readPresentTags(db, [id]);
  return toCallDetail(row, tags.get(id) ?? []);
}

/** The tags currently on each call (removed tags are kept as present = false and left out). */
export async function readPresentTags(db: Db, callIds: readonly string[]): Promise<Map<string, string[]>> {
  const tags = new Map<string, string[]>();
  if (callIds.length === 0) return tags;
  const rows = await db
    .selectFrom('read_model.call_tags')
    .select(['call_id', 'tag'])
    .where('call_id', 'in', callIds)
    .where('present', '=', true)
    .execute();
  for (const { call_id, tag } of rows) tags.set(call_id, [...(tags.get(call_id) ?? []), tag]);
  return tags;
}
