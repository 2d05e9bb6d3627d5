import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { callReceived, contactEvent, person } from '../test-support/allo-bodies.js';
import {
  applyBatches,
  prepareReadModels,
  readRows,
  resetProjection,
} from '../test-support/projection-harness.js';
import type { ProjectionEvent } from '../../src/projection-event.js';

describe('ContactsProjection (given events, then rows)', () => {
  let database: TestDatabase<ReadModelDatabase>;
  const when = (...events: ProjectionEvent[]) =>
    applyBatches(
      database.db,
      'contacts',
      events.map((e) => [e]),
    );
  const contacts = async () => (await readRows(database.db, 'contacts')).contacts;

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('contacts');
    await prepareReadModels(database.db);
  });
  beforeEach(() => resetProjection(database.db, 'contacts'));
  afterAll(() => database.drop());

  const created = contactEvent('wh_c', 'contact.created', '2026-02-03T11:00:00.000Z', {
    ...person('con_1'),
    company: { id: 'com-1', name: 'Harbor Freight' },
    lead_source: 'Webinar',
  });
  const partialUpdate = contactEvent('wh_u', 'contact.updated', '2026-02-03T11:30:55.004Z', {
    id: 'con_1',
    job_title: 'VP Operations',
    emails: ['jordan@example.com', 'j@gmail.com'],
    linkedin_url: 'https://linkedin.example/jw',
  });

  it('merges a partial update into the created contact', async () => {
    await when(created, partialUpdate);
    expect(await contacts()).toEqual([
      expect.objectContaining({
        contact_id: 'con_1',
        first_name: 'Jordan',
        last_name: 'Whitfield',
        job_title: 'VP Operations',
        email: 'jordan@example.com',
        emails: ['jordan@example.com', 'j@gmail.com'],
        numbers: ['+14155550142'],
        company_id: 'com-1',
        company_name: 'Harbor Freight',
        custom: { lead_source: 'Webinar', linkedin_url: 'https://linkedin.example/jw' },
        updated_at: new Date('2026-02-03T11:30:55.004Z'),
      }),
    ]);
  });

  it('never lets an older call person overwrite newer contact state, whatever the order', async () => {
    const oldCall = callReceived('wh_call', '2026-02-03T09:00:00.000Z', {
      person: person('con_1', { job_title: 'Intern' }),
    });
    await when(partialUpdate, oldCall, created);
    const first = await contacts();
    expect(first[0]?.job_title).toBe('VP Operations');
    await resetProjection(database.db, 'contacts');
    await when(oldCall, created, partialUpdate);
    expect(await contacts()).toEqual(first);
  });

  it('creates a contact from a call person it has not seen, and a newer one updates it', async () => {
    await when(
      callReceived('wh_1', '2026-02-03T09:00:00.000Z', { person: person('con_9', { job_title: 'Buyer' }) }),
      callReceived('wh_2', '2026-02-03T12:00:00.000Z', {
        person: person('con_9', { job_title: 'Head Buyer' }),
      }),
    );
    expect((await contacts()).map((c) => [c.contact_id, c.job_title])).toEqual([['con_9', 'Head Buyer']]);
  });
});
