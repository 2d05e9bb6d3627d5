import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { PROJECTIONS } from '../../src/index.js';
import { MAX_NESTING_DEPTH, UnstorableEventError } from '../../src/storable-event.js';
import { MAX_INDEXED_LENGTH } from '../../src/storable.js';
import { callCompleted, callReceived, event, person, tagEvent } from '../test-support/allo-bodies.js';
import {
  eventWithNestedField,
  hostile,
  incompressible,
  indexedPart,
  stored,
  UNSTORABLE_TIMES,
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

const AT = '2026-02-03T09:19:47.332Z';

describe('CallsProjection stores whatever Allo may send, or rejects the event cleanly', () => {
  let database: TestDatabase<ReadModelDatabase>;
  const when = (...events: ProjectionEvent[]) =>
    applyBatches(
      database.db,
      'calls',
      events.map((e) => [e]),
    );
  const rows = () => readRows(database.db, 'calls');

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('calls_hostile');
    await prepareReadModels(database.db);
  });
  beforeEach(() => resetProjection(database.db, 'calls'));
  afterAll(() => database.drop());

  it('replaces NUL and lone surrogates in every text field, ids, numbers, tags and keys included', async () => {
    const numbers = { from_number: hostile('from'), to_number: hostile('to') };
    const ringing = callReceived(hostile('wh_r'), '2026-02-03T09:12:04.201Z', {
      ...numbers,
      user_email: hostile('user'),
      person: person(hostile('con'), { name: hostile('name') }),
    });
    const completed = callCompleted(hostile('wh_c'), AT, {
      id: hostile('cll'),
      ...numbers,
      to: hostile('to'),
      start_date: '2026-02-03T09:12:05.000Z',
      ...Object.fromEntries(
        ['from_name', 'to_name', 'type', 'result', 'summary', 'recording_url', 'length'].map((f) => [
          f,
          hostile(f),
        ]),
      ),
      user_email: hostile('user'),
      tags: [hostile('tag')],
      transcriptions: [{ source: hostile('source'), time: hostile('time'), text: hostile('text') }],
      [hostile('custom_key')]: hostile('custom_value'),
    });
    const summary = event('wh_s', 'summary.updated', '2026-02-03T10:00:00.000Z', {
      call_id: hostile('cll'),
      content: hostile('edited'),
    });
    const tag = tagEvent('wh_t', 'tag.added', '2026-02-03T10:01:00.000Z', hostile('cll'), hostile('added'));
    await when(ringing, completed, summary, tag, completed);
    const { calls, call_tags } = await rows();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      call_id: stored('cll'),
      from_number: stored('from'),
      to_number: stored('to'),
      contact_id: stored('con'),
      user_email: stored('user'),
      from_name: stored('from_name'),
      to_name: stored('to_name'),
      direction: stored('type'),
      result: stored('result'),
      summary: stored('edited'),
      recording_url: stored('recording_url'),
      transcript: [{ source: stored('source'), time: stored('time'), text: stored('text') }],
      data: expect.objectContaining({
        [stored('custom_key')]: stored('custom_value'),
        length: stored('length'),
      }),
    });
    expect(call_tags.map((t) => [t.call_id, t.tag])).toEqual([
      [stored('cll'), stored('added')],
      [stored('cll'), stored('tag')],
    ]);
  });

  it('keeps a duration that overflows duration_seconds as null, the raw minutes in data', async () => {
    const durations = [1e12, -3, 35_791_394];
    await when(
      ...durations.map((m, i) => callCompleted(`wh_${i}`, AT, { id: `cll_${i}`, length_in_minutes: m })),
    );
    const { calls } = await rows();
    expect(
      calls.map((c) => [c.duration_seconds, (c.data as Record<string, unknown>).length_in_minutes]),
    ).toEqual([
      [null, 1e12],
      [null, -3],
      [2_147_483_640, 35_791_394],
    ]);
  });

  it('keeps a start time Postgres cannot hold as null, the raw time in data', async () => {
    await when(
      ...UNSTORABLE_TIMES.map((time, i) =>
        callCompleted(`wh_${i}`, AT, { id: `cll_${i}`, start_date: time }),
      ),
      callReceived('wh_ringing', AT, { started_at: UNSTORABLE_TIMES[0] }),
    );
    const { calls } = await rows();
    expect(calls.map((c) => [c.started_at, (c.data as Record<string, unknown>).start_date])).toEqual([
      ...UNSTORABLE_TIMES.map((time) => [null, time]),
      [null, undefined],
    ]);
    expect(calls[UNSTORABLE_TIMES.length]).toMatchObject({
      status: 'ringing',
      first_event_at: new Date(AT),
      data: expect.objectContaining({ started_at: UNSTORABLE_TIMES[0] }),
    });
  });

  it('cuts indexed text past the btree limit, and still correlates by the cut numbers', async () => {
    const numbers = { from_number: incompressible(3000, 1), to_number: incompressible(3000, 2) };
    await when(
      callReceived('wh_r', '2026-02-03T09:12:04.201Z', numbers),
      callCompleted('wh_c', AT, {
        ...numbers,
        to: numbers.to_number,
        start_date: '2026-02-03T09:12:05.000Z',
        result: incompressible(3000, 3),
        tags: [incompressible(3000, 4)],
        person: person(incompressible(3000, 5)),
      }),
    );
    const { calls, call_tags } = await rows();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      call_id: 'cll_1',
      status: 'completed',
      from_number: indexedPart(numbers.from_number),
      to_number: indexedPart(numbers.to_number),
      result: indexedPart(incompressible(3000, 3)),
      contact_id: indexedPart(incompressible(3000, 5)),
      data: expect.objectContaining({ from_number: numbers.from_number }),
    });
    expect(call_tags.map((t) => t.tag)).toEqual([indexedPart(incompressible(3000, 4))]);
  });

  it('rejects a call id too long to index', () => {
    const long = 'c'.repeat(MAX_INDEXED_LENGTH + 1);
    const verdicts = [
      callCompleted('wh_1', AT, { id: long }),
      tagEvent('wh_2', 'tag.added', AT, long, 'x'),
    ].map((e) => PROJECTIONS.calls.classify(e.event));
    expect(verdicts).toEqual([
      { kind: 'reject', error: expect.stringMatching(/^data\.id is 257 characters long/) },
      { kind: 'reject', error: expect.stringMatching(/^data\.call_id is 257 characters long/) },
    ]);
  });

  it('rejects data nested past the limit, and throws before writing when applied anyway', async () => {
    const deep = eventWithNestedField('wh_deep', 'call.completed', AT, { id: 'cll_1' }, 'custom', 100_000);
    expect(PROJECTIONS.calls.classify(deep.event)).toEqual({
      kind: 'reject',
      error: `data.custom nests more than ${MAX_NESTING_DEPTH} levels deep (at most ${MAX_NESTING_DEPTH} are stored)`,
    });
    const fine = callCompleted('wh_fine', AT, { id: 'cll_2' });
    await expect(applyUnclassified(database.db, 'calls', [fine, deep])).rejects.toThrow(UnstorableEventError);
    expect(Object.values(await countStoredRows(database.db, 'calls'))).toEqual([0, 0, 0]);
    const unstorableTime = { ...fine, occurredAt: new Date(UNSTORABLE_TIMES[0]) };
    await expect(applyUnclassified(database.db, 'calls', [unstorableTime])).rejects.toThrow(
      /event wh_fine cannot be stored: its time \(0000-01-01T00:00:00.000Z\) is outside/,
    );
  });

  it('stores any hostile text in any text field of a call', async () => {
    const text = fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', 'a', '😀'), maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('id', 'from_number', 'to', 'summary', 'result'), text),
        async (fields) => {
          await resetProjection(database.db, 'calls');
          await when(
            callReceived('wh_r', AT, { person: person('con_1', { name: fields.summary ?? 'x' }) }),
            callCompleted('wh_c', AT, fields),
          );
          expect((await rows()).calls.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
