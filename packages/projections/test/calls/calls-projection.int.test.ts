import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { callCompleted, callReceived, event, person, tagEvent } from '../test-support/allo-bodies.js';
import {
  applyBatches,
  prepareReadModels,
  readRows,
  resetProjection,
} from '../test-support/projection-harness.js';
import type { ProjectionEvent } from '../../src/projection-event.js';

describe('CallsProjection (given events, then rows)', () => {
  let database: TestDatabase<ReadModelDatabase>;
  const when = (...events: ProjectionEvent[]) =>
    applyBatches(
      database.db,
      'calls',
      events.map((e) => [e]),
    );
  const rows = () => readRows(database.db, 'calls');

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('calls');
    await prepareReadModels(database.db);
  });
  beforeEach(() => resetProjection(database.db, 'calls'));
  afterAll(() => database.drop());

  const ringing = callReceived('wh_r', '2026-02-03T09:12:04.201Z', { person: person('con_1') });
  const completed = callCompleted('wh_c', '2026-02-03T09:19:47.332Z', {
    start_date: '2026-02-03T09:12:05.000Z',
  });

  it('correlates a ringing event (no call id) with its completed call by numbers and start time', async () => {
    await when(ringing, completed);
    const { calls, call_tags } = await rows();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      call_id: 'cll_1',
      direction: 'INBOUND',
      status: 'completed',
      result: 'ANSWERED',
      from_number: '+14155550142',
      to_number: '+14155550100',
      contact_id: 'con_1',
      duration_seconds: 435,
      summary: 'Asked for pricing.',
      transcript: [{ source: 'USER', time: 0, text: 'Hello' }],
      first_event_at: new Date('2026-02-03T09:12:04.201Z'),
      last_event_at: new Date('2026-02-03T09:19:47.332Z'),
    });
    expect(call_tags).toEqual([
      { call_id: 'cll_1', tag: 'pricing', present: true, changed_at: new Date('2026-02-03T09:19:47.332Z') },
    ]);
  });

  it('gives the same row when the completion arrives first', async () => {
    await when(completed, ringing);
    const reversed = await rows();
    await resetProjection(database.db, 'calls');
    await when(ringing, completed);
    expect(reversed).toEqual(await rows());
  });

  it('keeps a ringing call that nothing correlates with as its own row', async () => {
    await when(
      ringing,
      callCompleted('wh_other', '2026-02-03T10:00:00.000Z', {
        id: 'cll_2',
        start_date: '2026-02-03T09:59:00.000Z',
      }),
    );
    const { calls } = await rows();
    expect(calls.map((c) => [c.call_id, c.status])).toEqual([
      ['cll_2', 'completed'],
      ['ringing:+14155550142|+14155550100|2026-02-03T09:12:04.201Z', 'ringing'],
    ]);
  });

  it('creates a stub call for a tag that arrives before its call, then fills it', async () => {
    await when(tagEvent('wh_t', 'tag.added', '2026-02-03T09:21:02.017Z', 'cll_1', 'qualified'));
    expect((await rows()).calls[0]).toMatchObject({ call_id: 'cll_1', status: null, result: null });
    await when(completed);
    const { calls, call_tags } = await rows();
    expect(calls[0]).toMatchObject({ call_id: 'cll_1', status: 'completed' });
    expect(call_tags.map((t) => [t.tag, t.present])).toEqual([
      ['pricing', true],
      ['qualified', true],
    ]);
  });

  it('resolves tags by event time: a removal delivered first still wins when it is newer', async () => {
    await when(
      tagEvent('wh_rm', 'tag.removed', '2026-02-03T09:30:00.000Z', 'cll_1', 'qualified'),
      tagEvent('wh_add', 'tag.added', '2026-02-03T09:25:00.000Z', 'cll_1', 'qualified'),
    );
    expect((await rows()).call_tags).toEqual([
      {
        call_id: 'cll_1',
        tag: 'qualified',
        present: false,
        changed_at: new Date('2026-02-03T09:30:00.000Z'),
      },
    ]);
  });

  it('never moves status back and applies a duplicate delivery once', async () => {
    const answered = event('wh_a', 'call.answered', '2026-02-03T09:30:00.000Z', {
      id: 'cll_1',
      from_number: '+1',
      to_number: '+2',
    });
    await when(completed, completed, answered);
    const { calls } = await rows();
    expect(calls[0]?.status).toBe('completed');
    expect(calls[0]?.from_number).toBe('+1');
  });

  it('accepts documented variants: to_number, a single tag, legacy camelCase fields', async () => {
    const legacy = event('wh_l', 'CALL_RECEIVED', '2026-02-03T09:40:00.000Z', {
      id: 'cll_legacy',
      fromNumber: '+33612345678',
      to_number: '+33100000000',
      startDate: '2026-02-03T09:35:00.000Z',
      lengthInMinutes: 5.5,
      recordingUrl: 'https://example.net/r.mp3',
      tag: 'legacy-tag',
    });
    await when(legacy);
    const { calls, call_tags } = await rows();
    expect(calls[0]).toMatchObject({
      call_id: 'cll_legacy',
      from_number: '+33612345678',
      to_number: '+33100000000',
      duration_seconds: 330,
      recording_url: 'https://example.net/r.mp3',
      status: 'completed',
      started_at: new Date('2026-02-03T09:35:00.000Z'),
    });
    expect(call_tags.map((t) => t.tag)).toEqual(['legacy-tag']);
  });

  it('takes the newest summary, from summary.updated or the completion', async () => {
    await when(
      event('wh_s', 'summary.updated', '2026-02-03T10:00:00.000Z', {
        call_id: 'cll_1',
        content: 'Edited summary',
      }),
      completed,
    );
    expect((await rows()).calls[0]?.summary).toBe('Edited summary');
  });
});
