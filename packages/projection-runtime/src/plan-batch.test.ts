import { describe, expect, it } from '@jest/globals';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordDecodeError } from '@allo-pipeline/raw-webhook-record';
import { alloFixtures, rawFixture } from './allo-fixtures.js';
import { decodeMessages, isTransient, RegistryUnavailableError } from './decode-messages.js';
import { classifyMessage, headersToRecord, planBatch, type DecodedMessage } from './plan-batch.js';

const at = new Date('2026-02-03T09:21:02.017Z');
const ok = (record: ReturnType<typeof rawFixture>): DecodedMessage => ({ ok: true, record });
const message = (offset: string) => ({
  offset,
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: { 'webhook-id': Buffer.from('msg_h') },
});

describe('classifyMessage', () => {
  it("applies a projection's own events with the envelope time", () => {
    const record = alloFixtures.tagAdded({ callId: 'cll_1', tag: 'qualified', at });
    const verdict = classifyMessage(PROJECTIONS.calls, ok(record));
    expect(verdict).toMatchObject({ kind: 'apply', event: { webhookId: record.webhookId, occurredAt: at } });
    expect(classifyMessage(PROJECTIONS.messages, ok(record))).toEqual({ kind: 'skip' });
  });

  it('falls back to the webhook-timestamp header when the envelope has no timestamp', () => {
    const record = rawFixture(
      'tag.added',
      Buffer.from(JSON.stringify({ topic: 'tag.added', data: { call_id: 'cll_1', tag: 'x' } })),
      at,
    );
    const verdict = classifyMessage(PROJECTIONS.calls, ok(record));
    expect(verdict).toMatchObject({
      kind: 'apply',
      event: { occurredAt: new Date(Math.floor(at.getTime() / 1000) * 1000) },
    });
  });

  it('dead-letters rejects, and unparseable bodies only in the projections that own the topic', () => {
    expect(
      classifyMessage(PROJECTIONS.calls, ok(alloFixtures.tagAdded({ callId: null, tag: 'x', at }))),
    ).toMatchObject({
      kind: 'dead-letter',
      error: expect.stringContaining('rejected'),
    });
    const broken = rawFixture('sms.received', Buffer.from('{"topic":'), at);
    expect(classifyMessage(PROJECTIONS.messages, ok(broken))).toMatchObject({ kind: 'dead-letter' });
    expect(classifyMessage(PROJECTIONS.calls, ok(broken))).toEqual({ kind: 'skip' });
    const unknown = rawFixture(null, Buffer.from([0xff, 0x00]), at);
    for (const projection of Object.values(PROJECTIONS)) {
      expect(classifyMessage(projection, ok(unknown))).toMatchObject({ kind: 'dead-letter' });
      expect(classifyMessage(projection, { ok: false, error: 'bad magic' })).toMatchObject({
        kind: 'dead-letter',
      });
    }
  });
});

describe('planBatch', () => {
  it('splits a batch into events to apply and dead letters carrying the raw message', () => {
    const good = alloFixtures.callCompleted({ id: 'cll_1', from: '+1', to: '+2', startedAt: at });
    const plan = planBatch(PROJECTIONS.calls, 2, [
      { message: message('5'), decoded: ok(good) },
      { message: message('6'), decoded: { ok: false, error: 'bad magic' } },
      { message: message('7'), decoded: ok(alloFixtures.smsReceived({ id: 'msg_1', content: 'hi', at })) },
    ]);
    expect(plan.toApply.map((e) => e.webhookId)).toEqual([good.webhookId]);
    expect(plan.skipped).toBe(1);
    expect(plan.lastEventAt).toEqual(plan.toApply[0]!.occurredAt);
    expect(plan.deadLetters).toEqual([
      {
        partition: 2,
        offset: '6',
        webhookId: 'msg_h',
        error: 'undecodable raw record: bad magic',
        rawKey: Buffer.from('k'),
        rawValue: Buffer.from('v'),
        headers: { 'webhook-id': 'msg_h' },
      },
    ]);
  });

  it('reads headers as strings, keeping the last of repeated ones', () => {
    expect(headersToRecord({ a: Buffer.from('1'), b: ['x', Buffer.from('y')], c: undefined })).toEqual({
      a: '1',
      b: 'y',
    });
  });
});

describe('decodeMessages', () => {
  it('turns undecodable values into failures but throws on a registry outage', async () => {
    const bad = { decode: () => Promise.reject(new RawRecordDecodeError('not framed')) };
    await expect(decodeMessages(bad, [message('1')])).resolves.toEqual([
      { message: message('1'), decoded: { ok: false, error: 'not framed' } },
    ]);
    const down = {
      decode: () =>
        Promise.reject(
          new RawRecordDecodeError(
            'x',
            Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          ),
        ),
    };
    await expect(decodeMessages(down, [message('1')])).rejects.toBeInstanceOf(RegistryUnavailableError);
  });

  it('tells outages from unknown schemas', () => {
    expect(isTransient({ status: 404 })).toBe(false);
    expect(isTransient({ status: 503 })).toBe(true);
    expect(isTransient(new Error('socket hang up'))).toBe(true);
    expect(isTransient(undefined)).toBe(false);
  });
});
