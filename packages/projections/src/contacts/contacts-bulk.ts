import type { BulkLoad, BulkSession } from '../bulk/bulk-session.js';
import type { CopyColumn } from '../bulk/copy-text.js';
import type { ProjectionEvent } from '../projection-event.js';
import { assertStorable } from '../storable-event.js';
import { storableText } from '../storable.js';
import { contactSnapshotOf, foldContact, toContactEventRow, type ContactEventRow } from './contact-state.js';

// The contacts projection's bulk load: every new snapshot (first delivery of its webhook id) is
// COPYed into contact_events as applyBatch stores it; then one pass over contact_events ordered by
// contact_id folds each contact with foldContact (as refoldContacts does) and COPYs the rows.
// Memory: the webhook ids seen and one contact's snapshots at a time.

const EVENT_COLUMNS: readonly CopyColumn[] = [
  { name: 'webhook_id', kind: 'text' },
  { name: 'contact_id', kind: 'text' },
  { name: 'topic', kind: 'text' },
  { name: 'occurred_at', kind: 'timestamptz' },
  { name: 'state', kind: 'jsonb' },
];

const CONTACT_COLUMNS: readonly CopyColumn[] = [
  { name: 'contact_id', kind: 'text' },
  { name: 'first_name', kind: 'text' },
  { name: 'last_name', kind: 'text' },
  { name: 'job_title', kind: 'text' },
  { name: 'email', kind: 'text' },
  { name: 'emails', kind: 'text[]' },
  { name: 'numbers', kind: 'text[]' },
  { name: 'company_id', kind: 'text' },
  { name: 'company_name', kind: 'text' },
  { name: 'custom', kind: 'jsonb' },
  { name: 'updated_at', kind: 'timestamptz' },
  { name: 'data', kind: 'jsonb' },
];

const FOLD_CHUNK = 5000;

type StoredSnapshot = Pick<ContactEventRow, 'contact_id' | 'webhook_id' | 'occurred_at' | 'state'>;

/** Starts a bulk load of the contacts projection into `session`'s generation (see above). */
export function bulkLoadContacts(session: BulkSession): BulkLoad {
  const seen = new Set<string>();
  const events = session.copyInto('contact_events', EVENT_COLUMNS);
  return {
    async add(event: ProjectionEvent): Promise<void> {
      assertStorable([event]);
      const state = contactSnapshotOf(event.event);
      if (state === null) return;
      const id = storableText(event.webhookId);
      if (seen.has(id)) return;
      seen.add(id);
      const row = toContactEventRow(event, state);
      await events.write([row.webhook_id, row.contact_id, row.topic, row.occurred_at, row.state]);
    },
    async finish(): Promise<void> {
      await events.end();
      seen.clear();
      await session.restoreIndexes('contact_events');
      await foldAll(session);
      await session.restoreIndexes('contacts');
    },
  };
}

/** refoldContacts for every contact: one ordered pass, one contact's snapshots in memory at a time. */
async function foldAll(session: BulkSession): Promise<void> {
  const contacts = session.copyInto('contacts', CONTACT_COLUMNS);
  let id: string | undefined;
  let group: StoredSnapshot[] = [];
  const flush = async () => {
    if (id === undefined || group.length === 0) return;
    const row = foldContact(id, group);
    await contacts.write(CONTACT_COLUMNS.map((c) => row[c.name as keyof typeof row]));
  };
  try {
    await session.eachChunk<StoredSnapshot>(
      `select contact_id, webhook_id, occurred_at, state from ${session.schema}.contact_events order by contact_id`,
      FOLD_CHUNK,
      async (rows) => {
        for (const row of rows) {
          if (row.contact_id !== id) {
            await flush();
            id = row.contact_id;
            group = [];
          }
          group.push(row);
        }
      },
    );
    await flush();
  } finally {
    await contacts.end();
  }
}
