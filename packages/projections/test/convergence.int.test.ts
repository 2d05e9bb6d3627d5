import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { PROJECTION_NAMES, type ReadModelDatabase } from '@allo-pipeline/read-models';
import {
  callCompleted,
  callReceived,
  contactEvent,
  event,
  person,
  sms,
  tagEvent,
} from './test-support/allo-bodies.js';
import {
  applyBatches,
  prepareReadModels,
  readRows,
  resetProjection,
  type Rows,
} from './test-support/projection-harness.js';
import { compareEvents, type ProjectionEvent } from '../src/projection-event.js';

const BASE = Date.parse('2026-02-03T09:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
const NUMBERS = ['+14155550142', '+14155550143'];

/** One call's events: ringing without id, completion with id, tags; times collide on purpose. */
const arbCall = (index: number) =>
  fc
    .record({
      number: fc.constantFrom(...NUMBERS),
      start: fc.integer({ min: 0, max: 12 }),
      jitter: fc.integer({ min: 0, max: 3 }),
      ringing: fc.boolean(),
      completed: fc.boolean(),
      contact: fc.constantFrom('con_a', 'con_b'),
      tags: fc.array(
        fc.record({
          tag: fc.constantFrom('hot', 'cold'),
          added: fc.boolean(),
          t: fc.integer({ min: 0, max: 5 }),
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ number, start, jitter, ringing, completed, contact, tags }) => {
      const events: ProjectionEvent[] = [];
      const id = `cll_${index}`;
      if (ringing)
        events.push(
          callReceived(`wh_r${index}`, at(start), {
            from_number: number,
            person: person(contact, { job_title: `t${start}` }),
          }),
        );
      if (completed) {
        events.push(
          callCompleted(`wh_c${index}`, at(start + 60), {
            id,
            from_number: number,
            start_date: at(start + jitter),
            tags: [],
          }),
        );
      }
      tags.forEach(({ tag, added, t }, i) =>
        events.push(tagEvent(`wh_t${index}_${i}`, added ? 'tag.added' : 'tag.removed', at(70 + t), id, tag)),
      );
      return events;
    });

const arbMessages = fc
  .array(
    fc.record({
      id: fc.constantFrom('msg_1', 'msg_2'),
      t: fc.integer({ min: 0, max: 4 }),
      text: fc.constantFrom('a', 'b', 'c'),
    }),
    { maxLength: 4 },
  )
  .map((items) =>
    items.map(({ id, t, text }, i) => sms(`wh_m${i}`, 'sms.received', at(t), { id, content: text })),
  );

const arbContacts = fc
  .array(
    fc.record({
      id: fc.constantFrom('con_a', 'con_b'),
      t: fc.integer({ min: 0, max: 20 }),
      title: fc.option(fc.constantFrom('CEO', 'CTO'), { nil: undefined }),
      lead: fc.option(fc.constantFrom('Webinar', 'Ads'), { nil: undefined }),
    }),
    { maxLength: 4 },
  )
  .map((items) =>
    items.map(({ id, t, title, lead }, i) =>
      contactEvent(`wh_p${i}`, i === 0 ? 'contact.created' : 'contact.updated', at(t), {
        id,
        job_title: title,
        lead_source: lead,
      }),
    ),
  );

const arbHistory = fc
  .tuple(fc.tuple(arbCall(0), arbCall(1), arbCall(2)), arbMessages, arbContacts)
  .map(([calls, messages, contacts]) => [...calls.flat(), ...messages, ...contacts]);

/** A delivery of the history: shuffled, with duplicates, cut into batches. */
const arbDelivery = (history: ProjectionEvent[]) =>
  fc
    .record({
      order: fc.array(fc.double({ noNaN: true }), { minLength: history.length, maxLength: history.length }),
      duplicates: fc.array(fc.nat({ max: Math.max(0, history.length - 1) }), { maxLength: 5 }),
      batchSizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }),
    })
    .map(({ order, duplicates, batchSizes }) => {
      const shuffled = history
        .map((e, i) => ({ e, k: order[i] ?? 0 }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.e);
      const delivered = [...shuffled, ...duplicates.flatMap((i) => (history[i] ? [history[i]] : []))];
      const batches: ProjectionEvent[][] = [];
      for (let i = 0, b = 0; i < delivered.length; b += 1) {
        const size = batchSizes[b % batchSizes.length] ?? 1;
        batches.push(delivered.slice(i, i + size));
        i += size;
      }
      return batches;
    });

describe('projections converge whatever the delivery order, duplication or batching', () => {
  let database: TestDatabase<ReadModelDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('convergence');
    await prepareReadModels(database.db);
  });
  afterAll(() => database.drop());

  async function project(batches: ProjectionEvent[][]): Promise<Rows[]> {
    const snapshots: Rows[] = [];
    for (const name of PROJECTION_NAMES) {
      await resetProjection(database.db, name);
      await applyBatches(database.db, name, batches);
      snapshots.push(await readRows(database.db, name));
    }
    return snapshots;
  }

  it('yields the rows of in-order application', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbHistory.chain((history) => fc.tuple(fc.constant(history), arbDelivery(history))),
        async ([history, batches]) => {
          const inOrder = [...history].sort(compareEvents).map((e) => [e]);
          expect(await project(batches)).toEqual(await project(inOrder));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps an unknown extra field in data without changing the row', async () => {
    const plain = event('wh_x', 'sms.received', at(1), { id: 'msg_x', content: 'hi' });
    const extra = event('wh_x', 'sms.received', at(1), {
      id: 'msg_x',
      content: 'hi',
      brand_new_field: { nested: true },
    });
    const [, withoutExtra] = await project([[plain]]);
    const [, withExtra] = await project([[extra]]);
    expect(withExtra?.messages?.[0]?.data).toMatchObject({ brand_new_field: { nested: true } });
    expect({ ...withExtra?.messages?.[0], data: null }).toEqual({
      ...withoutExtra?.messages?.[0],
      data: null,
    });
  });
});
