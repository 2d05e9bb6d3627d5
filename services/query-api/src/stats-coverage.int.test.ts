import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { TestDatabase } from '@allo-pipeline/testing';
import type { StatsCoverage } from './stats-coverage.js';
import type { Stats } from './stats-query.js';
import { errorBody } from './test-helpers.js';
import {
  applyEvents,
  callCompleted,
  contactEvent,
  createTestReadModels,
  sms,
  tagEvent,
  testApi,
} from './test-read-models.js';

// GET /v1/stats/coverage: the period the dashboard offers when its window is empty. Its promise is
// that a stats range from first_event_at to just after last_event_at counts everything.

let database: TestDatabase<ReadModelDatabase>;
let api: ReturnType<typeof testApi>;

beforeAll(async () => {
  database = await createTestReadModels('query_coverage');
  api = testApi(database.db);
});

afterAll(async () => {
  await database.drop();
});

const coverage = async (): Promise<StatsCoverage> => {
  const res = await api.get('/v1/stats/coverage');
  expect(res.status).toBe(200);
  return res.body as StatsCoverage;
};

const totals = async (since: string, until: string) =>
  ((await api.get(`/v1/stats?since=${since}&until=${until}&bucket=day`)).body as Stats).totals;

describe('GET /v1/stats/coverage', () => {
  it('is null on both ends while the read models are empty', async () => {
    expect(await coverage()).toEqual({ first_event_at: null, last_event_at: null });
  });

  it('spans every source /v1/stats counts, so that range counts everything', async () => {
    await applyEvents(database.db, [
      // Its start (calls.started_at, a call result) is the earliest instant; its event comes later.
      callCompleted({ id: 'cll_c1', startedAt: '2025-11-20T08:00:00Z', at: '2025-11-20T08:30:00Z' }),
      tagEvent('tag.added', 'cll_c1', 'pricing', '2025-11-21T10:00:00Z'),
      contactEvent('contact.created', '2025-11-20T09:00:00Z', { id: 'cnt_c', name: 'Ana' }),
      // The latest one is a message, with sub-second precision.
      sms({ id: 'msg_c1', direction: 'OUTBOUND', sentAt: '2026-01-05T17:45:12.345Z', from: '+2', to: '+1' }),
    ]);
    const { first_event_at, last_event_at } = await coverage();
    expect({ first_event_at, last_event_at }).toEqual({
      first_event_at: '2025-11-20T08:00:00.000Z',
      last_event_at: '2026-01-05T17:45:12.345Z',
    });
    const everything = await totals('2020-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
    const until = new Date(Date.parse(last_event_at!) + 1).toISOString();
    expect(await totals(first_event_at!, until)).toEqual(everything);
    expect(everything.call_results).toEqual({ ANSWERED: 1 });
    expect(everything.sms.outbound).toBe(1);
  });

  it('rejects any parameter with a 400 naming it', async () => {
    const res = await api.get('/v1/stats/coverage?since=2026-01-01');
    expect(res.status).toBe(400);
    expect(errorBody(res)).toMatchObject({ code: 'invalid_parameter', parameter: 'since' });
  });
});
