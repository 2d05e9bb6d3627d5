import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { alloFixtures, fixtureRecord, rawFixture } from '@allo-pipeline/projection-runtime';
import type { RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { applyRawRecord, createPartitionState, type TypedOutput } from './partition-state.js';

const T0 = new Date('2026-02-03T09:12:04.201Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function applyAll(records: readonly RawWebhookRecord[]): TypedOutput[] {
  const state = createPartitionState();
  return records.map((record) => applyRawRecord(state, record));
}

function recordOf(output: TypedOutput | undefined) {
  if (output?.kind !== 'record') throw new Error(`expected a typed record, got ${JSON.stringify(output)}`);
  return output;
}

const completed = alloFixtures.callCompleted({
  id: 'cll_3VfPq8LmZ2cX7wNt5RbJ',
  from: '+14155550142',
  to: '+14155550100',
  startedAt: T0,
  tags: ['pricing'],
});

describe('applyRawRecord: calls', () => {
  it("carries the call's folded state after each event, keyed by call id", () => {
    const tag = alloFixtures.tagAdded({ callId: 'cll_3VfPq8LmZ2cX7wNt5RbJ', tag: 'qualified', at: at(600) });
    const [first, second] = applyAll([completed, tag]).map(recordOf);
    expect(first).toMatchObject({ entity: 'calls', key: 'cll_3VfPq8LmZ2cX7wNt5RbJ' });
    expect(first!.value).toMatchObject({
      call_id: 'cll_3VfPq8LmZ2cX7wNt5RbJ',
      event_topic: 'call.completed',
      webhook_id: completed.webhookId,
      status: 'completed',
      direction: 'INBOUND',
      result: 'ANSWERED',
      from_number: '+14155550142',
      to_number: '+14155550100',
      from_name: 'Jordan Whitfield',
      started_at: T0.getTime(),
      duration_seconds: 435,
      has_summary: true,
      has_recording: true,
      has_transcript: false,
      tags: ['pricing'],
      received_at: completed.receivedAt,
      source: 'default',
    });
    expect(second!.value).toMatchObject({
      event_topic: 'tag.added',
      webhook_id: tag.webhookId,
      event_time: at(600).getTime(),
      status: 'completed',
      has_summary: true,
      tags: ['pricing', 'qualified'],
      first_event_at: T0.getTime() + 7 * 60_000,
      last_event_at: at(600).getTime(),
    });
  });

  it('yields nothing for a second delivery of a webhook id, and keeps the state unchanged', () => {
    const state = createPartitionState();
    expect(applyRawRecord(state, completed).kind).toBe('record');
    expect(applyRawRecord(state, { ...completed, receivedAt: completed.receivedAt + 5000 })).toEqual({
      kind: 'skip',
      reason: 'duplicate',
    });
    expect(state.calls.get('cll_3VfPq8LmZ2cX7wNt5RbJ')).toHaveLength(1);
  });

  it('keys a ringing event without a call id by its numbers and start time', () => {
    const ringing = alloFixtures.callReceived({ from: '+14155550142', to: '+14155550100', startedAt: T0 });
    const output = recordOf(applyAll([ringing])[0]);
    expect(output.key).toBe(`ringing:+14155550142|+14155550100|${T0.toISOString()}`);
    expect(output.value).toMatchObject({
      status: 'ringing',
      direction: 'INBOUND',
      has_recording: false,
      tags: [],
    });
  });

  it('skips what has no typed record: no call id, unknown topics, bodies that do not parse', () => {
    const outputs = applyAll([
      alloFixtures.tagAdded({ callId: null, tag: 'x', at: T0 }),
      fixtureRecord('PING', {}, T0),
      rawFixture(null, Buffer.from('not json'), T0),
    ]);
    expect(outputs).toEqual([
      { kind: 'skip', reason: 'no-entity-id' },
      { kind: 'skip', reason: 'not-typed' },
      { kind: 'skip', reason: 'unparseable' },
    ]);
  });

  it('gives the same final call state for any delivery order, and the same outputs on replay', () => {
    const id = 'cll_order';
    const events = [
      alloFixtures.callCompleted({ id, from: '+1', to: '+2', startedAt: T0, tags: ['a'] }),
      alloFixtures.tagAdded({ callId: id, tag: 'b', at: at(500) }),
      fixtureRecord('tag.removed', { call_id: id, tag: 'a' }, at(900)),
      fixtureRecord('call.answered', { id, from_number: '+1', to_number: '+2', type: 'INBOUND' }, at(5)),
      fixtureRecord('summary.updated', { call_id: id, content: 'later summary' }, at(1200)),
    ];
    const stateOf = (output: TypedOutput | undefined) => {
      const {
        webhook_id: _w,
        event_topic: _t,
        event_time: _e,
        received_at: _r,
        ...state
      } = recordOf(output).value;
      return state;
    };
    const expected = stateOf(applyAll(events).at(-1));
    expect(expected).toMatchObject({ status: 'completed', tags: ['b'], has_summary: true });
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        const outputs = applyAll(order);
        expect(stateOf(outputs.at(-1))).toEqual(expected);
        expect(applyAll(order)).toEqual(outputs);
      }),
    );
  });
});

describe('applyRawRecord: messages and contacts', () => {
  it('keeps the newest event of a message whole, whatever arrives later', () => {
    const newer = alloFixtures.smsReceived({ id: 'msg_1', content: 'newer "text"\nwith é', at: at(60) });
    const older = alloFixtures.smsReceived({ id: 'msg_1', content: 'older', at: T0 });
    const [first, second] = applyAll([newer, older]).map(recordOf);
    expect(first!.value).toMatchObject({
      message_id: 'msg_1',
      content: 'newer "text"\nwith é',
      direction: 'INBOUND',
    });
    expect(second!.value).toMatchObject({
      message_id: 'msg_1',
      content: 'newer "text"\nwith é',
      webhook_id: older.webhookId,
      event_time: T0.getTime(),
      sent_at: at(60).getTime() - 600,
    });
  });

  it("folds a contact's fields, newest non-null first, with its custom properties as JSON", () => {
    const created = alloFixtures.contactUpdated({ id: 'con_1', jobTitle: 'Manager', at: T0 });
    const partial = fixtureRecord('contact.updated', { id: 'con_1', job_title: 'VP', plan: 'pro' }, at(10));
    const [, last] = applyAll([created, partial]).map(recordOf);
    expect(last).toMatchObject({ entity: 'contacts', key: 'con_1' });
    expect(last!.value).toMatchObject({
      contact_id: 'con_1',
      first_name: 'Jordan',
      job_title: 'VP',
      emails: ['jordan@harborfreight-logistics.com'],
      numbers: ['+14155550142'],
      company_id: null,
    });
    expect(JSON.parse((last!.value as { custom_properties_json: string }).custom_properties_json)).toEqual({
      lead_source: 'Webinar',
      plan: 'pro',
    });
  });
});
