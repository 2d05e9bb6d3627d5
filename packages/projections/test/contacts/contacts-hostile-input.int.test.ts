import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { PROJECTIONS } from '../../src/index.js';
import { MAX_NESTING_DEPTH, UnstorableEventError } from '../../src/storable-event.js';
import { MAX_INDEXED_LENGTH } from '../../src/storable.js';
import { callReceived, contactEvent, person } from '../test-support/allo-bodies.js';
import {
  eventWithNestedField,
  hostile,
  incompressible,
  indexedPart,
  stored,
} from '../test-support/hostile-values.js';
import {
  applyBatches,
  applyUnclassified,
  countStoredRows,
  prepareReadModels,
  readRows,
  resetProjection,
} from '../test-support/projection-harness.js';
import type { ProjectionEvent } from '../../src/projection-event.js';

const AT = '2026-02-03T11:30:55.004Z';

describe('ContactsProjection stores whatever Allo may send, or rejects the event cleanly', () => {
  let database: TestDatabase<ReadModelDatabase>;
  const when = (...events: ProjectionEvent[]) =>
    applyBatches(
      database.db,
      'contacts',
      events.map((e) => [e]),
    );
  const contacts = async () => (await readRows(database.db, 'contacts')).contacts;

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('contacts_hostile');
    await prepareReadModels(database.db);
  });
  beforeEach(() => resetProjection(database.db, 'contacts'));
  afterAll(() => database.drop());

  it('replaces NUL and lone surrogates in every field, from a contact event and a call person', async () => {
    const fromCall = callReceived('wh_call', '2026-02-03T09:00:00.000Z', {
      person: person(hostile('con'), {
        name: hostile('call_name'),
        [hostile('call_key')]: hostile('call_value'),
      }),
      company: { id: hostile('com'), name: hostile('company') },
    });
    const updated = contactEvent(hostile('wh_u'), 'contact.updated', AT, {
      id: hostile('con'),
      name: hostile('name'),
      last_name: hostile('last'),
      email: hostile('email'),
      emails: [hostile('email'), hostile('other')],
      numbers: [hostile('number')],
      job_title: hostile('title'),
      deals: [{ id: 'dea-1', name: hostile('deal') }],
      [hostile('custom_key')]: hostile('custom_value'),
    });
    await when(fromCall, updated, updated);
    expect(await contacts()).toEqual([
      {
        contact_id: stored('con'),
        first_name: stored('name'),
        last_name: stored('last'),
        job_title: stored('title'),
        email: stored('email'),
        emails: [stored('email'), stored('other')],
        numbers: [stored('number')],
        company_id: stored('com'),
        company_name: stored('company'),
        custom: {
          [stored('call_key')]: stored('call_value'),
          [stored('custom_key')]: stored('custom_value'),
        },
        updated_at: new Date(AT),
        data: expect.objectContaining({ deals: [{ id: 'dea-1', name: stored('deal') }] }),
      },
    ]);
  });

  it('cuts indexed text past the btree limit, and rejects a contact id too long to index', async () => {
    const long = [1, 2, 3, 4].map((seed) => incompressible(3000, seed));
    await when(
      contactEvent('wh_1', 'contact.created', AT, {
        id: 'con_1',
        name: long[0],
        last_name: long[1],
        email: long[2],
        numbers: [long[3]],
      }),
    );
    expect(await contacts()).toEqual([
      expect.objectContaining({
        first_name: indexedPart(long[0] ?? ''),
        last_name: indexedPart(long[1] ?? ''),
        email: indexedPart(long[2] ?? ''),
        numbers: [indexedPart(long[3] ?? '')],
        data: expect.objectContaining({ name: long[0] }),
      }),
    ]);
    const id = 'c'.repeat(MAX_INDEXED_LENGTH + 1);
    const verdicts = [
      contactEvent('wh_2', 'contact.updated', AT, { id }),
      callReceived('wh_3', AT, { person: person(id) }),
    ].map((e) => PROJECTIONS.contacts.classify(e.event));
    expect(verdicts).toEqual([
      { kind: 'reject', error: expect.stringMatching(/^data\.id is 257 characters long/) },
      { kind: 'reject', error: expect.stringMatching(/^data\.person\.id is 257 characters long/) },
    ]);
  });

  it('rejects a contact field nested past the limit, and throws before writing when applied anyway', async () => {
    const deep = eventWithNestedField('wh_deep', 'contact.updated', AT, { id: 'con_1' }, 'crm_blob', 100_000);
    expect(PROJECTIONS.contacts.classify(deep.event)).toEqual({
      kind: 'reject',
      error: `data.crm_blob nests more than ${MAX_NESTING_DEPTH} levels deep (at most ${MAX_NESTING_DEPTH} are stored)`,
    });
    const fine = contactEvent('wh_fine', 'contact.created', AT, person('con_2'));
    await expect(applyUnclassified(database.db, 'contacts', [fine, deep])).rejects.toThrow(
      UnstorableEventError,
    );
    expect(await countStoredRows(database.db, 'contacts')).toEqual({ contact_events: 0, contacts: 0 });
    // Just under the limit is stored, and refolds with a later event.
    const deepest = eventWithNestedField(
      'wh_ok',
      'contact.updated',
      AT,
      { id: 'con_1' },
      'blob',
      MAX_NESTING_DEPTH - 1,
    );
    await when(
      deepest,
      contactEvent('wh_later', 'contact.updated', '2026-02-04T00:00:00.000Z', { id: 'con_1' }),
    );
    expect((await contacts()).map((c) => c.contact_id)).toEqual(['con_1']);
  });
});
