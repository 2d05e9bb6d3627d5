import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { TestDatabase } from '@allo-pipeline/testing';
import { encodeCursor, type CursorKind } from './cursor.js';
import {
  applyEvents,
  callCompleted,
  contactEvent,
  createTestReadModels,
  sms,
  testApi,
} from './test-read-models.js';

// Issue 11: what a client puts in a path or a cursor reaches Postgres only when Postgres can hold
// it; anything else is a 400 naming the parameter, never a 500. Through the real API and Postgres.

let database: TestDatabase<ReadModelDatabase>;
let api: ReturnType<typeof testApi>;
const NUMBER = '+14155550142';

beforeAll(async () => {
  database = await createTestReadModels('query_hostile');
  api = testApi(database.db);
  await applyEvents(database.db, [
    contactEvent('contact.created', '2026-02-01T10:00:00Z', {
      id: 'cnt_1',
      name: 'Jordan',
      numbers: [NUMBER],
    }),
    callCompleted({ id: 'cll_1', startedAt: '2026-02-03T09:00:00Z', from: NUMBER, contactId: 'cnt_1' }),
    sms({ id: 'msg_1', direction: 'INBOUND', sentAt: '2026-02-03T09:05:00Z', from: NUMBER, to: '+1' }),
  ]);
});

afterAll(async () => {
  await database.drop();
});

/** Status and named parameter; a bare 500 names none. */
const answer = (res: { status: number; body: unknown }): [number, string | undefined] => [
  res.status,
  (res.body as { error?: { parameter?: string } }).error?.parameter,
];

describe('path ids', () => {
  it.each([
    ['/v1/calls/x%00y', 'id'],
    ['/v1/contacts/x%00y', 'id'],
    ['/v1/contacts/x%00y/timeline', 'id'],
    ['/v1/conversations/x%00y', 'number'],
    ['/v1/calls/x%07y', 'id'],
    [`/v1/calls/${'a'.repeat(300)}`, 'id'],
    [`/v1/contacts/${'a'.repeat(300)}/timeline`, 'id'],
  ])('%s is a 400 naming %s', async (path, parameter) => {
    const res = await api.get(path);
    expect(answer(res)).toEqual([400, parameter]);
  });

  it.each([
    // Percent-encoding that is not UTF-8 stays as written: an id no row has, so a 404.
    '/v1/calls/%C0%80',
    '/v1/calls/%ED%A0%80',
    `/v1/calls/${encodeURIComponent('cll_é😀 /?#')}`,
    `/v1/contacts/${encodeURIComponent('cnt_é😀')}/timeline`,
  ])('%s, text Postgres holds, is looked up (404)', async (path) => {
    expect((await api.get(path)).status).toBe(404);
  });
});

// [list, path, cursor scope]
const lists: Array<[CursorKind, string, string]> = [
  ['calls', '/v1/calls', ''],
  ['messages', '/v1/messages', ''],
  ['contacts', '/v1/contacts', ''],
  ['conversation', `/v1/conversations/${encodeURIComponent(NUMBER)}`, NUMBER],
  ['timeline', '/v1/contacts/cnt_1/timeline', 'cnt_1'],
];

const withCursor = (path: string, cursor: string) => `${path}?cursor=${encodeURIComponent(cursor)}`;

describe('forged cursors (the checksum is no secret)', () => {
  it.each(lists)(
    '%s: a time Postgres cannot compare with is a 400 naming cursor',
    async (kind, path, scope) => {
      for (const time of [
        '2026-13-01T00:00:00.000000Z',
        '2026-02-30T00:00:00.000000Z',
        '0000-01-01T00:00:00.000000Z',
      ]) {
        const res = await api.get(withCursor(path, encodeCursor(kind, scope, { time, rank: 0, id: 'x' })));
        expect([time, ...answer(res)]).toEqual([time, 400, 'cursor']);
      }
    },
  );

  it.each(lists)('%s: an id with NUL is a 400 naming cursor', async (kind, path, scope) => {
    const time = '2026-02-03T09:00:00.000000Z';
    const res = await api.get(withCursor(path, encodeCursor(kind, scope, { time, rank: 0, id: 'x\u0000y' })));
    expect(answer(res)).toEqual([400, 'cursor']);
  });

  it.each(lists)(
    '%s: the first and last times Postgres and the cursor share are answered',
    async (kind, path, scope) => {
      for (const time of ['0001-01-01T00:00:00.000000Z', '9999-12-31T23:59:59.999999Z']) {
        const res = await api.get(withCursor(path, encodeCursor(kind, scope, { time, rank: 1, id: 'x' })));
        expect([time, res.status]).toEqual([time, 200]);
      }
    },
  );
});
