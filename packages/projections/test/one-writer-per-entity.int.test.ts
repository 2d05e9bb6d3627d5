// Two transactions applying events of one entity at once (two projector instances, a dlq replay
// beside a live batch) must end as if they had run one after the other. Each case holds one
// transaction open after its batch while the other applies (test-support/race.ts), which is the
// interleaving that loses an update when nothing serialises them; the result is compared, entity
// by entity, with applying the same events one batch after the other.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';
import type { ProjectionEvent } from '../src/projection-event.js';
import {
  callCompleted,
  callReceived,
  contactEvent,
  person,
  sms,
  tagEvent,
} from './test-support/allo-bodies.js';
import {
  applyBatches,
  prepareReadModels,
  readRows,
  resetProjection,
  type Row,
  type Rows,
} from './test-support/projection-harness.js';
import { race } from './test-support/race.js';

const RUNS = 20;
const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 1, 3, 9, minute, second)).toISOString();

/** One run of a case: what is committed before, what the held and the racing batch apply. */
interface RaceCase {
  setup: ProjectionEvent[];
  held: ProjectionEvent[];
  racing: ProjectionEvent[];
}

// Call i: its own caller number, so runs never share a number pair, a call or a contact.
const caller = (i: number) => `+1415555${String(1000 + i)}`;
const ringing = (i: number) =>
  callReceived(`wh_r${i}`, at(10, 4), { from_number: caller(i), person: person(`con_${i}`) });
const completed = (i: number) =>
  callCompleted(`wh_c${i}`, at(19), { id: `cll_${i}`, from_number: caller(i), start_date: at(10, 5) });
const tagged = (i: number) => tagEvent(`wh_t${i}`, 'tag.added', at(21), `cll_${i}`, 'qualified');
// A second call between the same numbers starting nearer the ringing event takes it over.
const nearerCompleted = (i: number) =>
  callCompleted(`wh_n${i}`, at(20), { id: `cll_near_${i}`, from_number: caller(i), start_date: at(10, 4) });

const created = (i: number) => contactEvent(`wh_cc${i}`, 'contact.created', at(0), person(`con_${i}`));
// A newer partial update, and an older call person carrying a property the update lacks.
const updated = (i: number) =>
  contactEvent(`wh_cu${i}`, 'contact.updated', at(30), { id: `con_${i}`, job_title: 'VP Operations' });
const personOnCall = (i: number) =>
  callReceived(`wh_cp${i}`, at(20), {
    person: person(`con_${i}`, { job_title: 'Buyer', lead_source: 'Ads' }),
  });

const message = (i: number, minute: number) =>
  sms(`wh_m${i}_${minute}`, 'sms.received', at(minute), { id: `msg_${i}`, content: `at ${minute}` });

const CASES: Record<string, { projection: ProjectionName; run: (i: number) => RaceCase }> = {
  'calls: ringing held, its completion racing': {
    projection: 'calls',
    run: (i) => ({ setup: [], held: [ringing(i)], racing: [completed(i)] }),
  },
  'calls: completion held, its ringing racing': {
    projection: 'calls',
    run: (i) => ({ setup: [], held: [completed(i)], racing: [ringing(i)] }),
  },
  'calls: ringing merging into its completed call held, a tag of the call racing': {
    projection: 'calls',
    run: (i) => ({ setup: [completed(i)], held: [ringing(i)], racing: [tagged(i)] }),
  },
  'calls: a tag held, the ringing merging into the tagged call racing': {
    projection: 'calls',
    run: (i) => ({ setup: [completed(i)], held: [tagged(i)], racing: [ringing(i)] }),
  },
  'calls: a nearer call taking the ringing event over held, a tag of the call it left racing': {
    projection: 'calls',
    run: (i) => ({ setup: [ringing(i), completed(i)], held: [nearerCompleted(i)], racing: [tagged(i)] }),
  },
  'contacts: contact.updated held, an older call person racing': {
    projection: 'contacts',
    run: (i) => ({ setup: [created(i)], held: [updated(i)], racing: [personOnCall(i)] }),
  },
  'contacts: an older call person held, contact.updated racing': {
    projection: 'contacts',
    run: (i) => ({ setup: [created(i)], held: [personOnCall(i)], racing: [updated(i)] }),
  },
  'messages (no locks needed): the newer event held, an older one racing': {
    projection: 'messages',
    run: (i) => ({ setup: [], held: [message(i, 40)], racing: [message(i, 35)] }),
  },
  'messages (no locks needed): an older event held, the newer one racing': {
    projection: 'messages',
    run: (i) => ({ setup: [], held: [message(i, 35)], racing: [message(i, 40)] }),
  },
};

/** Rows per entity key: a call with its tags, a contact, a message. */
function byEntity(rows: Rows): Map<string, unknown> {
  const entities = new Map<string, unknown>();
  for (const call of rows.calls) entities.set(String(call.call_id), { call, tags: [] as Row[] });
  for (const tag of rows.call_tags) {
    const key = String(tag.call_id);
    const call = (entities.get(key) ?? { call: null, tags: [] }) as { tags: Row[] };
    call.tags.push(tag);
    entities.set(key, call);
  }
  for (const contact of rows.contacts) entities.set(String(contact.contact_id), contact);
  for (const sent of rows.messages) entities.set(String(sent.message_id), sent);
  return entities;
}

describe('one writer per entity: concurrent batches end as if applied one after the other', () => {
  let database: TestDatabase<ReadModelDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('one_writer');
    await prepareReadModels(database.db);
  });
  afterAll(() => database.drop());

  async function concurrently(projection: ProjectionName, runs: RaceCase[]) {
    await resetProjection(database.db, projection);
    let failed = 0;
    let waited = 0;
    for (const { setup, held, racing } of runs) {
      await applyBatches(database.db, projection, [setup]);
      const outcome = await race(database.db, projection, held, racing);
      if (outcome.error !== undefined) failed += 1;
      if (outcome.waited) waited += 1;
    }
    return { rows: await readRows(database.db, projection), failed, waited };
  }

  async function oneAfterTheOther(projection: ProjectionName, runs: RaceCase[]): Promise<Rows> {
    await resetProjection(database.db, projection);
    await applyBatches(
      database.db,
      projection,
      runs.flatMap(({ setup, held, racing }) => [setup, held, racing]),
    );
    return readRows(database.db, projection);
  }

  it.each(Object.entries(CASES))('%s', async (_name, { projection, run }) => {
    const runs = Array.from({ length: RUNS }, (_, i) => run(i));
    const { rows, failed, waited } = await concurrently(projection, runs);
    const expected = byEntity(await oneAfterTheOther(projection, runs));
    const actual = byEntity(rows);
    const stray = [...actual.keys()].filter((key) => key.startsWith('ringing:')).length;
    const stale = [...expected].filter(
      ([key, row]) => JSON.stringify(actual.get(key)) !== JSON.stringify(row),
    ).length;
    // On failure the diff shows the counts. `waited`: runs whose racing batch had to wait for the
    // held one (a lock, or for messages the row itself) rather than fold without its events.
    expect({ stray, stale, failed, waited }).toEqual({ stray: 0, stale: 0, failed: 0, waited: RUNS });
  });
});
