import { sql, type Kysely } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { ContactSearch, ContactsFilter } from './contacts-params.js';
import { afterKey, cursorTime, toPage, type Keyset, type Page } from './keyset.js';
import type { ListQuery } from './query-params.js';
import { CONTACT_ITEM_COLUMNS, toContactDetail, toContactItem, type ContactItem } from './resource-json.js';

type Db = Kysely<ReadModelDatabase>;

export const CONTACTS_KEYSET: Keyset = { time: 'c.updated_at', id: 'c.contact_id', order: 'desc' };

/** One page of contacts, most recently updated first, optionally narrowed by a search. */
export async function listContacts(db: Db, query: ListQuery<ContactsFilter>): Promise<Page<ContactItem>> {
  let select = db
    .selectFrom('read_model.contacts as c')
    .select(CONTACT_ITEM_COLUMNS.map((column) => `c.${column}` as const))
    .select(cursorTime(CONTACTS_KEYSET.time).as('cursor_time'));
  if (query.filter.search) select = select.where(searchCondition(query.filter.search));
  if (query.after) select = select.where(afterKey(CONTACTS_KEYSET, query.after));
  const rows = await select
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.contact_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, { kind: 'contacts', id: (row) => row.contact_id }, toContactItem);
}

// Each expression is spelled exactly as its index in projection-tables.ts (lower(...)
// text_pattern_ops, GIN on numbers), so that the planner can use them without pg_trgm.
function searchCondition(search: ContactSearch) {
  if (search.kind === 'number') return sql<boolean>`c.numbers && ${[...search.numbers]}::text[]`;
  const pattern = sql`lower(${search.pattern})`;
  return sql<boolean>`(lower(c.first_name) like ${pattern}
    or lower(c.last_name) like ${pattern}
    or lower(c.first_name || ' ' || c.last_name) like ${pattern}
    or lower(c.email) like ${pattern})`;
}

/** A contact with its raw data, or undefined when the id is unknown. */
export async function getContact(
  db: Db,
  id: string,
): Promise<ReturnType<typeof toContactDetail> | undefined> {
  const row = await db
    .selectFrom('read_model.contacts')
    .selectAll()
    .where('contact_id', '=', id)
    .executeTakeFirst();
  return row && toContactDetail(row);
}
