import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { PROJECTIONS } from '../../src/index.js';
import { MAX_NESTING_DEPTH, UnstorableEventError } from '../../src/storable-event.js';
import { MAX_INDEXED_LENGTH } from '../../src/storable.js';
import { sms } from '../test-support/allo-bodies.js';
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

const AT = '2026-02-03T11:05:30.640Z';
const TEXT_FIELDS = [
  'direction',
  'type',
  'content',
  'from_number',
  'to_number',
  'from_name',
  'to_name',
  'user_email',
];

describe('MessagesProjection stores whatever Allo may send, or rejects the event cleanly', () => {
  let database: TestDatabase<ReadModelDatabase>;
  const when = (...events: ProjectionEvent[]) =>
    applyBatches(
      database.db,
      'messages',
      events.map((e) => [e]),
    );
  const messages = async () => (await readRows(database.db, 'messages')).messages;

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('messages_hostile');
    await prepareReadModels(database.db);
  });
  beforeEach(() => resetProjection(database.db, 'messages'));
  afterAll(() => database.drop());

  it('replaces NUL and lone surrogates in every text field, the ids and the keys of data', async () => {
    const fields = Object.fromEntries(TEXT_FIELDS.map((f) => [f, hostile(f)]));
    const received = sms(hostile('wh'), 'sms.received', AT, {
      ...fields,
      id: hostile('msg'),
      [hostile('extra_key')]: hostile('extra_value'),
    });
    // The same delivery again (dedup by the stored webhook id), and an older event of the message.
    const older = sms('wh_older', 'sms.received', '2026-02-03T11:00:00.000Z', {
      id: hostile('msg'),
      content: 'old',
    });
    await when(received, received, older);
    expect(await messages()).toEqual([
      {
        message_id: stored('msg'),
        ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, stored(f)])),
        sent_at: new Date(AT),
        last_event_at: new Date(AT),
        last_webhook_id: stored('wh'),
        data: expect.objectContaining({
          content: stored('content'),
          [stored('extra_key')]: stored('extra_value'),
        }),
      },
    ]);
    expect((await countStoredRows(database.db, 'messages')).applied_webhooks).toBe(2);
  });

  it('stores a NUL-only and a surrogate-only content', async () => {
    await when(
      sms('wh_1', 'sms.received', AT, { id: 'msg_1', content: '\u0000' }),
      sms('wh_2', 'sms.received', AT, { id: 'msg_2', content: '\ud800\udc00\ud800' }),
    );
    expect((await messages()).map((m) => m.content)).toEqual(['\uFFFD', '\ud800\udc00\uFFFD']);
  });

  it('falls back to the event time for a sent_at Postgres cannot hold, the raw one in data', async () => {
    await when(
      ...UNSTORABLE_TIMES.map((time, i) => sms(`wh_${i}`, 'sms.sent', AT, { id: `msg_${i}`, sent_at: time })),
    );
    expect((await messages()).map((m) => [m.sent_at, (m.data as Record<string, unknown>).sent_at])).toEqual(
      UNSTORABLE_TIMES.map((time) => [new Date(AT), time]),
    );
  });

  it('cuts indexed text past the btree limit, and rejects a message id too long to index', async () => {
    const long = { from_number: incompressible(3000, 1), to_number: incompressible(3000, 2) };
    await when(sms('wh_1', 'sms.received', AT, { ...long, direction: incompressible(3000, 3) }));
    expect(await messages()).toEqual([
      expect.objectContaining({
        from_number: indexedPart(long.from_number),
        to_number: indexedPart(long.to_number),
        direction: indexedPart(incompressible(3000, 3)),
        data: expect.objectContaining({ from_number: long.from_number }),
      }),
    ]);
    const tooLong = sms('wh_2', 'sms.received', AT, { id: 'm'.repeat(MAX_INDEXED_LENGTH + 1) });
    expect(PROJECTIONS.messages.classify(tooLong.event)).toEqual({
      kind: 'reject',
      error: `data.id is ${MAX_INDEXED_LENGTH + 1} characters long, more than the ${MAX_INDEXED_LENGTH} an id may have`,
    });
  });

  it('rejects data nested past the limit, and throws before writing when applied anyway', async () => {
    const deep = eventWithNestedField(
      'wh_deep',
      'sms.received',
      AT,
      { id: 'msg_1', content: 'x' },
      'meta',
      100_000,
    );
    expect(PROJECTIONS.messages.classify(deep.event)).toEqual({
      kind: 'reject',
      error: `data.meta nests more than ${MAX_NESTING_DEPTH} levels deep (at most ${MAX_NESTING_DEPTH} are stored)`,
    });
    const fine = sms('wh_fine', 'sms.received', AT, { id: 'msg_2' });
    await expect(applyUnclassified(database.db, 'messages', [fine, deep])).rejects.toThrow(
      UnstorableEventError,
    );
    expect(await countStoredRows(database.db, 'messages')).toEqual({ applied_webhooks: 0, messages: 0 });
  });
});
