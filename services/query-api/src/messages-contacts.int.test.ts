import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { TestDatabase } from '@allo-pipeline/testing';
import { errorBody, listBody } from './test-helpers.js';
import {
  applyEvents,
  callCompleted,
  contactEvent,
  createTestReadModels,
  sms,
  testApi,
  walkPages,
} from './test-read-models.js';

const JORDAN = '+14155550142';
const OFFICE = '+14155550100';
const ANA = '+33612345678';

let database: TestDatabase<ReadModelDatabase>;
let api: ReturnType<typeof testApi>;

beforeAll(async () => {
  database = await createTestReadModels('query_msgs');
  api = testApi(database.db);
  await applyEvents(database.db, [
    contactEvent('contact.created', '2026-02-01T10:00:00Z', {
      id: 'cnt_jordan',
      name: 'Jordan',
      last_name: 'Whitfield',
      email: 'jordan@example.com',
      numbers: [JORDAN],
    }),
    contactEvent('contact.created', '2026-02-01T11:00:00Z', {
      id: 'cnt_ana',
      name: 'Ana',
      last_name: 'Lopez',
      email: 'ana@brightlane.io',
      numbers: [ANA],
    }),
    contactEvent('contact.updated', '2026-02-02T09:00:00Z', { id: 'cnt_ana', name: 'Ana' }),
    contactEvent('contact.created', '2026-02-01T12:00:00Z', {
      id: 'cnt_jo',
      name: 'Jo',
      last_name: 'Wu',
      email: 'jo.wu@example.org',
      numbers: ['+14155550177'],
    }),
    contactEvent('contact.created', '2026-02-01T13:00:00Z', {
      id: 'cnt_pct',
      name: '50%',
      email: 'fifty@example.com',
    }),
    sms({ id: 'msg_1', direction: 'INBOUND', sentAt: '2026-02-03T09:05:00Z', from: JORDAN, to: OFFICE }),
    sms({ id: 'msg_2', direction: 'OUTBOUND', sentAt: '2026-02-03T09:06:00Z', from: OFFICE, to: JORDAN }),
    sms({ id: 'msg_3', direction: 'INBOUND', sentAt: '2026-02-03T09:07:00Z', from: ANA, to: OFFICE }),
    sms({ id: 'msg_eq_a', direction: 'INBOUND', sentAt: '2026-02-03T09:10:00Z', from: JORDAN, to: OFFICE }),
    sms({ id: 'msg_eq_b', direction: 'INBOUND', sentAt: '2026-02-03T09:10:00Z', from: JORDAN, to: OFFICE }),
    sms({ id: 'msg_6', direction: 'OUTBOUND', sentAt: '2026-02-03T12:00:00Z', from: OFFICE, to: JORDAN }),
    callCompleted({ id: 'cll_t1', startedAt: '2026-02-03T09:00:00Z', from: JORDAN, to: OFFICE }),
    callCompleted({
      id: 'cll_t2',
      startedAt: '2026-02-03T09:10:00Z',
      from: OFFICE,
      to: JORDAN,
      direction: 'OUTBOUND',
    }),
    callCompleted({
      id: 'cll_t3',
      startedAt: '2026-02-03T08:00:00Z',
      from: '+15550000000',
      contactId: 'cnt_jordan',
    }),
    callCompleted({
      id: 'cll_other',
      startedAt: '2026-02-03T09:30:00Z',
      from: '+19999999999',
      to: '+18888888888',
    }),
  ]);
});

afterAll(async () => {
  await database.drop();
});

async function ids(path: string): Promise<string[]> {
  const res = await api.get(path);
  expect(res.status).toBe(200);
  return (res.body as { data: Array<{ id: string }> }).data.map((item) => item.id);
}

describe('GET /v1/messages', () => {
  it('lists messages newest first with the documented fields', async () => {
    const res = await api.get('/v1/messages');
    expect(listBody(res).data.map((m: { id: string }) => m.id)).toEqual([
      'msg_6',
      'msg_eq_b',
      'msg_eq_a',
      'msg_3',
      'msg_2',
      'msg_1',
    ]);
    expect(listBody(res).data[0]).toEqual({
      id: 'msg_6',
      direction: 'OUTBOUND',
      type: 'SMS',
      content: 'message msg_6',
      from_number: OFFICE,
      to_number: JORDAN,
      from_name: null,
      to_name: null,
      user_email: null,
      sent_at: '2026-02-03T12:00:00.000Z',
      last_event_at: '2026-02-03T12:00:00.000Z',
    });
    expect(listBody(res).next_cursor).toBeNull();
  });

  it.each([
    [`number=${encodeURIComponent(ANA)}`, ['msg_3']],
    [`number=${encodeURIComponent(JORDAN)}&direction=outbound`, ['msg_6', 'msg_2']],
    ['number=%2B10000000000', []],
    ['direction=INBOUND', ['msg_eq_b', 'msg_eq_a', 'msg_3', 'msg_1']],
    ['since=2026-02-03T09:06:00Z&until=2026-02-03T09:10:00Z', ['msg_3', 'msg_2']],
    ['since=2026-02-03T09:10:00Z', ['msg_6', 'msg_eq_b', 'msg_eq_a']],
    ['until=2026-02-03T09:00:00Z', []],
  ])('filters by %s', async (query, expected) => {
    expect(await ids(`/v1/messages?${query}`)).toEqual(expected);
  });

  it('walks pages across equal times', async () => {
    const all = await ids('/v1/messages');
    for (const limit of [1, 2, 4]) {
      expect(
        (await walkPages<{ id: string }>(api.get, '/v1/messages', limit)).items.map((m) => m.id),
      ).toEqual(all);
    }
  });

  it.each([
    ['direction=up', 'direction'],
    ['status=completed', 'status'],
    ['since=2026-02-03T09:00:00', 'since'],
  ])('answers 400 for %s', async (query, parameter) => {
    const res = await api.get(`/v1/messages?${query}`);
    expect(res.status).toBe(400);
    expect(errorBody(res).parameter).toBe(parameter);
  });
});

describe('GET /v1/conversations/:number', () => {
  it('lists the messages with one number oldest first, page by page', async () => {
    const expected = ['msg_1', 'msg_2', 'msg_eq_a', 'msg_eq_b', 'msg_6'];
    expect(await ids(`/v1/conversations/${encodeURIComponent(JORDAN)}`)).toEqual(expected);
    for (const limit of [1, 2, 3]) {
      const { items } = await walkPages<{ id: string }>(
        api.get,
        `/v1/conversations/${encodeURIComponent(JORDAN)}`,
        limit,
      );
      expect(items.map((m) => m.id)).toEqual(expected);
    }
    expect(await ids('/v1/conversations/+1%20415%20555%200142')).toEqual(expected);
    expect(await ids(`/v1/conversations/${encodeURIComponent('+10000000000')}`)).toEqual([]);
  });

  it('rejects a cursor issued for another number, and unknown parameters', async () => {
    const first = await api.get(`/v1/conversations/${encodeURIComponent(JORDAN)}?limit=1`);
    const cursor = encodeURIComponent(listBody(first).next_cursor!);
    const res = await api.get(`/v1/conversations/${encodeURIComponent(ANA)}?cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect(errorBody(res).parameter).toBe('cursor');
    expect(errorBody(await api.get(`/v1/conversations/${JORDAN}?since=2026-01-01`)).parameter).toBe('since');
  });
});

describe('GET /v1/contacts', () => {
  it('lists contacts most recently updated first', async () => {
    const res = await api.get('/v1/contacts');
    // Jordan was last touched by the call that names him (2026-02-03T08:00).
    expect(listBody(res).data.map((c: { id: string }) => c.id)).toEqual([
      'cnt_jordan',
      'cnt_ana',
      'cnt_pct',
      'cnt_jo',
    ]);
    expect(listBody(res).data[1]).toEqual({
      id: 'cnt_ana',
      first_name: 'Ana',
      last_name: 'Lopez',
      job_title: 'Operations Manager',
      email: 'ana@brightlane.io',
      emails: ['ana@brightlane.io'],
      numbers: [ANA],
      company_id: null,
      company_name: null,
      custom: {},
      updated_at: '2026-02-02T09:00:00.000Z',
    });
  });

  it.each([
    ['jor', ['cnt_jordan']],
    ['JORDAN%20w', ['cnt_jordan']],
    ['whit', ['cnt_jordan']],
    ['jo', ['cnt_jordan', 'cnt_jo']],
    ['jo.wu%40', ['cnt_jo']],
    ['ana%40bright', ['cnt_ana']],
    ['lopez', ['cnt_ana']],
    ['%2B33%206%2012%2034%2056%2078', ['cnt_ana']],
    ['33612345678', ['cnt_ana']],
    ['%2B1415555', []],
    ['50%25', ['cnt_pct']],
    ['fifty', ['cnt_pct']],
    ['%25', []],
    ['_', []],
    ['ordan', []],
    ['zzz', []],
  ])('searches q=%s', async (q, expected) => {
    expect(await ids(`/v1/contacts?q=${q}`)).toEqual(expected);
  });

  it('walks pages and rejects bad parameters', async () => {
    const all = await ids('/v1/contacts');
    expect((await walkPages<{ id: string }>(api.get, '/v1/contacts', 1)).items.map((c) => c.id)).toEqual(all);
    expect(errorBody(await api.get('/v1/contacts?q=%20%20')).parameter).toBe('q');
    expect(errorBody(await api.get('/v1/contacts?name=jo')).parameter).toBe('name');
  });

  it('returns one contact with its raw data, or 404', async () => {
    const res = await api.get('/v1/contacts/cnt_ana');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'cnt_ana', data: expect.objectContaining({ id: 'cnt_ana' }) });
    const missing = await api.get('/v1/contacts/cnt_missing');
    expect(missing.status).toBe(404);
    expect(errorBody(missing).code).toBe('not_found');
  });
});

describe('GET /v1/contacts/:id/timeline', () => {
  const expected = [
    ['message', 'msg_6'],
    ['message', 'msg_eq_b'],
    ['message', 'msg_eq_a'],
    ['call', 'cll_t2'],
    ['message', 'msg_2'],
    ['message', 'msg_1'],
    ['call', 'cll_t1'],
    ['call', 'cll_t3'],
  ];
  type Item =
    | { kind: 'call'; at: string; call: { id: string } }
    | { kind: 'message'; at: string; message: { id: string } };
  const flatten = (items: Item[]) => items.map((i) => [i.kind, i.kind === 'call' ? i.call.id : i.message.id]);

  it("merges the contact's calls and messages newest first", async () => {
    const res = await api.get('/v1/contacts/cnt_jordan/timeline');
    expect(res.status).toBe(200);
    expect(flatten(listBody<Item>(res).data)).toEqual(expected);
    expect(listBody(res).data[0]).toMatchObject({ kind: 'message', at: '2026-02-03T12:00:00.000Z' });
    expect(listBody(res).data[3]).toMatchObject({ kind: 'call', at: '2026-02-03T09:10:00.000Z' });
    expect(listBody(res).next_cursor).toBeNull();
  });

  it('pages through the merge without gaps or duplicates', async () => {
    for (const limit of [1, 2, 3, 5]) {
      const { items } = await walkPages<Item>(api.get, '/v1/contacts/cnt_jordan/timeline', limit);
      expect(flatten(items)).toEqual(expected);
    }
  });

  it('answers 404 for an unknown contact and 400 for a cursor of another contact', async () => {
    expect((await api.get('/v1/contacts/cnt_missing/timeline')).status).toBe(404);
    const first = await api.get('/v1/contacts/cnt_jordan/timeline?limit=1');
    const res = await api.get(
      `/v1/contacts/cnt_ana/timeline?cursor=${encodeURIComponent(listBody(first).next_cursor!)}`,
    );
    expect(res.status).toBe(400);
    expect(errorBody(res).parameter).toBe('cursor');
  });

  it('shows a contact without numbers only the calls linked to it', async () => {
    expect(listBody(await api.get('/v1/contacts/cnt_pct/timeline')).data).toEqual([]);
  });
});
