import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { sms } from '../test-support/allo-bodies.js';
import {
  applyBatches,
  prepareReadModels,
  readRows,
  resetProjection,
} from '../test-support/projection-harness.js';
import type { ProjectionEvent } from '../../src/projection-event.js';

describe('MessagesProjection (given events, then rows)', () => {
  let database: TestDatabase<ReadModelDatabase>;
  const when = (...batches: ProjectionEvent[][]) => applyBatches(database.db, 'messages', batches);

  beforeAll(async () => {
    database = await createTestDatabase<ReadModelDatabase>('messages');
    await prepareReadModels(database.db);
  });
  beforeEach(() => resetProjection(database.db, 'messages'));
  afterAll(() => database.drop());

  it('stores both directions with their fields', async () => {
    await when([
      sms('wh_1', 'sms.received', '2026-02-03T11:05:30.640Z'),
      sms('wh_2', 'sms.sent', '2026-02-03T11:07:12.118Z', {
        id: 'msg_sms_2',
        direction: null,
        from_number: '+14155550100',
        to_number: '+14155550142',
      }),
    ]);
    const { messages } = await readRows(database.db, 'messages');
    expect(messages.map((m) => [m.message_id, m.direction, m.from_number, m.content])).toEqual([
      ['msg_sms_1', 'INBOUND', '+14155550142', 'Hi there'],
      ['msg_sms_2', 'OUTBOUND', '+14155550100', 'Hi there'],
    ]);
    expect(messages[0]?.sent_at).toEqual(new Date('2026-02-03T11:05:30.640Z'));
  });

  it('keeps the newest state whatever the order, and applies duplicates once', async () => {
    const older = sms('wh_old', 'sms.sent', '2026-02-03T11:00:00.000Z', { content: 'draft' });
    const newer = sms('wh_new', 'sms.sent', '2026-02-03T11:00:05.000Z', { content: 'final' });
    await when([newer], [older], [newer, older]);
    expect((await readRows(database.db, 'messages')).messages.map((m) => m.content)).toEqual(['final']);
  });

  it('stores a message without an id under its delivery id, and an alphanumeric sender', async () => {
    await when([
      sms('wh_noid', 'sms.sent', '2026-02-03T11:00:00.000Z', {
        id: null,
        from_number: null,
        sender_id: 'BRIGHTLANE',
      }),
    ]);
    expect(
      (await readRows(database.db, 'messages')).messages.map((m) => [m.message_id, m.from_number]),
    ).toEqual([['sms:wh_noid', 'BRIGHTLANE']]);
  });
});
