import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { TestDatabase } from '@allo-pipeline/testing';
import { errorBody, listBody } from './test-helpers.js';
import {
  applyEvents,
  callCompleted,
  callReceived,
  createTestReadModels,
  SECOND_TOKEN,
  tagEvent,
  testApi,
  walkPages,
} from './test-read-models.js';

interface CallJson {
  id: string;
  started_at: string | null;
  status: string | null;
  tags: string[];
  [field: string]: unknown;
}

let database: TestDatabase<ReadModelDatabase>;
let api: ReturnType<typeof testApi>;
const ringingId = 'ringing:+14155550177|+14155550100|2026-02-03T11:00:00.000Z';

// Forty paging calls: a quarter without a start time, the rest sharing ten start times.
const pagingCalls = Array.from({ length: 40 }, (_, i) =>
  callCompleted({
    id: `cll_p${String(i).padStart(2, '0')}`,
    startedAt: i % 4 === 0 ? null : `2026-01-10T10:0${i % 10}:00Z`,
    at: '2026-01-10T12:00:00Z',
    from: '+33100000000',
    to: '+33100000001',
    result: 'FAILED',
  }),
);

beforeAll(async () => {
  database = await createTestReadModels('query_calls');
  api = testApi(database.db);
  await applyEvents(database.db, [
    callCompleted({
      id: 'cll_a',
      startedAt: '2026-02-03T09:00:00Z',
      tags: ['pricing'],
      contactId: 'cnt_jordan',
    }),
    callCompleted({
      id: 'cll_b',
      startedAt: '2026-02-03T10:00:00Z',
      from: '+14155550100',
      to: '+14155550199',
      direction: 'OUTBOUND',
      result: 'VOICEMAIL',
      tags: ['follow-up', 'pricing'],
    }),
    callReceived({ from: '+14155550177', to: '+14155550100', startedAt: '2026-02-03T11:00:00Z' }),
    tagEvent('tag.added', 'cll_stub1', 'vip', '2026-02-03T11:30:00Z'),
    tagEvent('tag.added', 'cll_stub2', 'vip', '2026-02-03T11:31:00Z'),
    tagEvent('tag.added', 'cll_a', 'urgent', '2026-02-03T09:10:00Z'),
    tagEvent('tag.removed', 'cll_a', 'urgent', '2026-02-03T09:20:00Z'),
    ...pagingCalls,
  ]);
});

afterAll(async () => {
  await database.drop();
});

async function ids(path: string): Promise<string[]> {
  const res = await api.get(path);
  expect(res.status).toBe(200);
  return (res.body as { data: CallJson[] }).data.map((c) => c.id).filter((id) => !id.startsWith('cll_p'));
}

describe('GET /v1/calls', () => {
  it('lists calls newest first, stub calls (no start) first, with sorted present tags', async () => {
    const res = await api.get('/v1/calls?limit=500');
    expect(res.status).toBe(200);
    const data = (res.body as { data: CallJson[] }).data;
    expect(data.slice(0, 2).map((c) => c.id)).toEqual(['cll_stub2', 'cll_stub1']);
    expect(data[0]).toMatchObject({ started_at: null, status: null, tags: ['vip'] });
    const b = data.find((c) => c.id === 'cll_b');
    expect(b).toMatchObject({
      direction: 'OUTBOUND',
      from_number: '+14155550100',
      to_number: '+14155550199',
      result: 'VOICEMAIL',
      status: 'completed',
      started_at: '2026-02-03T10:00:00.000Z',
      duration_seconds: 150,
      tags: ['follow-up', 'pricing'],
    });
    expect(b).not.toHaveProperty('transcript');
    expect(b).not.toHaveProperty('cursor_time');
  });

  it.each([
    ['number=%2B14155550100', [ringingId, 'cll_b', 'cll_a']],
    ['number=%2B14155550199', ['cll_b']],
    ['number=+14155550199', ['cll_b']],
    ['number=%2B1%20(415)%20555-0199', ['cll_b']],
    ['number=%2B19999999999', []],
    ['direction=outbound', ['cll_b']],
    ['direction=INBOUND', [ringingId, 'cll_a']],
    ['status=ringing', [ringingId]],
    ['status=completed&number=%2B14155550142', ['cll_a']],
    ['status=answered', []],
    ['result=voicemail', ['cll_b']],
    ['result=BUSY', []],
    ['tag=pricing', ['cll_b', 'cll_a']],
    ['tag=vip', ['cll_stub2', 'cll_stub1']],
    ['tag=urgent', []],
    ['contact_id=cnt_jordan', ['cll_a']],
    ['contact_id=cnt_nobody', []],
    ['since=2026-02-03T09:30:00Z', [ringingId, 'cll_b']],
    ['until=2026-02-03T10:00:00Z&since=2026-02-01', ['cll_a']],
    ['since=2026-02-03T10:00:01%2B01:00&until=2026-02-03T11:00:00Z', ['cll_b']],
    ['since=2026-02-04', []],
  ])('filters by %s', async (query, expected) => {
    expect(await ids(`/v1/calls?${query}&limit=500`)).toEqual(expected);
  });

  it('walks every page without gaps or duplicates (NULL starts and equal times, small pages)', async () => {
    const all = ((await api.get('/v1/calls?limit=500')).body as { data: CallJson[] }).data;
    expect(all).toHaveLength(45);
    for (const limit of [1, 3, 4, 7]) {
      const { items, pages } = await walkPages<CallJson>(api.get, '/v1/calls', limit);
      expect(items.map((c) => c.id)).toEqual(all.map((c) => c.id));
      expect(pages).toBe(Math.ceil(45 / limit));
    }
    const filtered = await walkPages<CallJson>(api.get, '/v1/calls?number=%2B33100000001', 3);
    expect(new Set(filtered.items.map((c) => c.id)).size).toBe(40);
    // (started_at desc nulls first, id desc)
    const key = (c: CallJson) => [c.started_at ?? '~', c.id] as const;
    for (let i = 1; i < all.length; i += 1) {
      const [a, b] = [key(all[i - 1]!), key(all[i]!)];
      expect(a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])).toBe(true);
    }
  });

  it('ends with next_cursor null and an exact last page', async () => {
    const res = await api.get('/v1/calls?limit=45');
    expect(listBody(res).data).toHaveLength(45);
    expect(listBody(res).next_cursor).toBeNull();
  });

  it.each([
    ['direction=sideways', 'direction'],
    ['status=ended', 'status'],
    ['result=not%20a%20result', 'result'],
    ['since=yesterday', 'since'],
    ['until=2026-02-30T00:00:00Z', 'until'],
    ['since=2026-02-03&until=2026-02-02', 'until'],
    ['limit=501', 'limit'],
    ['limit=0', 'limit'],
    ['cursor=bm9wZQ.AAAA', 'cursor'],
    ['colour=blue', 'colour'],
    ['tag=a&tag=b', 'tag'],
    ['number=', 'number'],
  ])('answers 400 naming the parameter for %s', async (query, parameter) => {
    const res = await api.get(`/v1/calls?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: 'invalid_parameter', message: expect.any(String), parameter },
    });
  });

  it('rejects a cursor issued by another list', async () => {
    const messages = await api.get('/v1/messages?limit=1');
    const contacts = await api.get('/v1/contacts?limit=1');
    const calls = await api.get('/v1/calls?limit=1');
    expect(listBody(calls).next_cursor).toEqual(expect.any(String));
    const res = await api.get(`/v1/messages?cursor=${encodeURIComponent(listBody(calls).next_cursor!)}`);
    expect(res.status).toBe(400);
    expect(errorBody(res).parameter).toBe('cursor');
    expect(messages.status).toBe(200);
    expect(contacts.status).toBe(200);
  });
});

describe('GET /v1/calls/:id', () => {
  it('returns the call with tags, transcript and raw data', async () => {
    const res = await api.get('/v1/calls/cll_a');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 'cll_a',
      contact_id: 'cnt_jordan',
      tags: ['pricing'],
      transcript: [{ source: 'USER', time: 0, text: 'Hello' }],
      data: expect.objectContaining({ id: 'cll_a', result: 'ANSWERED' }),
    });
  });

  it('finds ids that need URL encoding', async () => {
    const res = await api.get(`/v1/calls/${encodeURIComponent(ringingId)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ringing' });
  });

  it('answers 404 for an unknown id and 400 for query parameters', async () => {
    const missing = await api.get('/v1/calls/cll_missing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 'not_found', message: expect.stringContaining('cll_missing') },
    });
    expect(errorBody(await api.get('/v1/calls/cll_a?verbose=1')).parameter).toBe('verbose');
  });
});

describe('authentication', () => {
  it.each([
    ['missing', undefined],
    ['wrong', 'Bearer not-the-token'],
    ['malformed', 'test-token-0123456789'],
    ['wrong scheme', 'Basic dGVzdA=='],
  ])('answers 401 with WWW-Authenticate when the token is %s', async (_case, header) => {
    const req = request(api.server).get('/v1/calls');
    const res = await (header ? req.set('Authorization', header) : req);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(errorBody(res).code).toBe('unauthorized');
    expect(res.body).not.toHaveProperty('data');
  });

  it('accepts the second configured token', async () => {
    const res = await request(api.server)
      .get('/v1/calls/cll_a')
      .set('Authorization', `Bearer ${SECOND_TOKEN}`);
    expect(res.status).toBe(200);
  });
});
