import { sql, type Kysely } from 'kysely';
import type { AlloEvent } from '@allo-pipeline/allo-events';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { EventVerdict, Projection } from '../projection.js';
import { uniqueByWebhookId, type ProjectionEvent } from '../projection-event.js';
import { lockEntities } from '../entity-locks.js';
import { groupBy, jsonRows, setExcluded, table } from '../sql-helpers.js';
import { assertStorable, unstorableReason } from '../storable-event.js';
import { storableText } from '../storable.js';
import {
  CONTACT_TOPICS,
  contactIdOf,
  contactSnapshotOf,
  foldContact,
  toContactEventRow,
  type ContactEventRow,
} from './contact-state.js';
import { bulkLoadContacts } from './contacts-bulk.js';

type Db = Kysely<ReadModelDatabase>;

const CONTACT_COLUMNS = [
  'first_name',
  'last_name',
  'job_title',
  'email',
  'emails',
  'numbers',
  'company_id',
  'company_name',
  'custom',
  'updated_at',
  'data',
] as const;

/**
 * contacts: contact.created/updated, plus the `person` that call events carry.
 *
 * One writer per contact at a time (entity-locks.ts): a batch locks `contact:<id>` for every
 * contact it has a snapshot for, sorted, before storing the snapshots and refolding the rows, so
 * two batches touching one contact (a call's person and a contact.updated on another partition,
 * or a dlq replay beside a live batch) run one after the other and the second folds the first's
 * event. It is the only lock class, so no two batches wait on each other in a cycle.
 */
export const ContactsProjection: Projection = {
  name: 'contacts',
  codeVersion: 1,
  topics: CONTACT_TOPICS,
  classify(event: AlloEvent): EventVerdict {
    const contact = contactIdOf(event);
    if (contact === null) return { kind: 'skip' };
    if (contact.id === null) return { kind: 'reject', error: `${event.topic} names no contact (data.id)` };
    const unstorable = unstorableReason(event, { [contact.path]: contact.id });
    return unstorable === null ? { kind: 'apply' } : { kind: 'reject', error: unstorable };
  },
  bulkLoad: (session) => bulkLoadContacts(session),
  async applyBatch(db: Db, schema: string, events: readonly ProjectionEvent[]): Promise<void> {
    assertStorable(events);
    const rows: ContactEventRow[] = [];
    for (const event of uniqueByWebhookId(events)) {
      const state = contactSnapshotOf(event.event);
      if (state !== null) rows.push(toContactEventRow(event, state));
    }
    if (rows.length === 0) return;
    const ids = [...new Set(rows.map((r) => `contact:${storableText(r.contact_id)}`))].sort();
    await lockEntities(db, schema, ids);
    const touched = await insertContactEvents(db, schema, rows);
    if (touched.length > 0) await refoldContacts(db, schema, touched);
  },
};

/** Stores new snapshots; returns the contact ids that received at least one new event. */
async function insertContactEvents(
  db: Db,
  schema: string,
  rows: readonly ContactEventRow[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const { rows: inserted } = await sql<{ contact_id: string }>`
    insert into ${table(schema, 'contact_events')} (webhook_id, contact_id, topic, occurred_at, state)
    select r.webhook_id, r.contact_id, r.topic, r.occurred_at, r.state
    from jsonb_to_recordset(${jsonRows(rows)})
      as r(webhook_id text, contact_id text, topic text, occurred_at timestamptz, state jsonb)
    on conflict (webhook_id) do nothing
    returning contact_id`.execute(db);
  return [...new Set(inserted.map((r) => r.contact_id))];
}

async function refoldContacts(db: Db, schema: string, contactIds: readonly string[]): Promise<void> {
  const { rows } = await sql<Pick<ContactEventRow, 'contact_id' | 'webhook_id' | 'occurred_at' | 'state'>>`
    select contact_id, webhook_id, occurred_at, state from ${table(schema, 'contact_events')}
    where contact_id = any(${contactIds}::text[])`.execute(db);
  const folded = [...groupBy(rows, (r) => r.contact_id)].map(([id, events]) => foldContact(id, events));
  const contacts = table(schema, 'contacts');
  await sql`
    insert into ${contacts}
    select * from jsonb_populate_recordset(null::${contacts}, ${jsonRows(folded)})
    on conflict (contact_id) do update set ${setExcluded(CONTACT_COLUMNS)}`.execute(db);
}
