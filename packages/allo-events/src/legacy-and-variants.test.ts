import { describe, expect, it } from '@jest/globals';
import { LEGACY_EXAMPLES } from './spec-examples.js';
import { parseAs, parseOk, v2 } from './test-support.js';

describe('legacy envelopes and topics (spec §1.2)', () => {
  it('maps v1 CALL_RECEIVED (a finished call) to call.completed, camelCase and snake_case alike', () => {
    const camel = parseAs(LEGACY_EXAMPLES['CALL_RECEIVED camelCase'], 'call.completed');
    const snake = parseAs(LEGACY_EXAMPLES['CALL_RECEIVED snake_case'], 'call.completed');
    expect(camel.data).toEqual(snake.data);
    expect(camel).toMatchObject({
      envelope: 'legacy-data',
      version: null,
      timestamp: null,
      occurredAt: null,
    });
    expect(camel.sourceTopic).toBe('CALL_RECEIVED');
    expect(camel.data).toMatchObject({
      id: 'call_1a2b3c',
      start_date: '2024-05-02T14:03:11Z',
      from_number: '+1234567890',
      from_name: 'Jane Caller',
      to_number: '+0987654321',
      to_name: 'Support line',
      length_in_minutes: 5.5,
      recording_url: 'https://example.invalid/rec.mp3',
      tags: ['support'],
      one_sentence_summary: 'Customer asked about an invoice.',
      transcriptions: [
        { source: 'USER', time: '00:00:02', text: 'Hello?' },
        { source: 'AGENT', time: 3.5, text: 'Hi, how can I help?' },
      ],
    });
  });

  it('reads the Apidog `body` envelope and call_category', () => {
    const event = parseAs(LEGACY_EXAMPLES['CALL_RECEIVED Apidog body'], 'call.completed');
    expect(event.envelope).toBe('legacy-body');
    expect(event.data).toMatchObject({
      from_number: 'anonymous',
      tags: ['Sales'],
      concatenated_transcript: 'USER: hi AGENT: hello',
    });
    expect(event.raw).toBe(LEGACY_EXAMPLES['CALL_RECEIVED Apidog body'].body);
  });

  it.each([
    ['SMS_RECEIVED Apidog body', 'sms.received'],
    ['SMS_SENT v1', 'sms.sent'],
    ['CONTACT_CREATED v1', 'contact.created'],
    ['CONTACT_UPDATED v1', 'contact.updated'],
  ] as const)('maps %s to %s', (label, topic) => {
    expect(parseOk(LEGACY_EXAMPLES[label]).topic).toBe(topic);
  });

  it('turns PING (no payload at all) into the unknown variant', () => {
    expect(parseOk(LEGACY_EXAMPLES.PING)).toEqual({
      topic: 'unknown',
      originalTopic: 'PING',
      sourceTopic: 'PING',
      data: {},
      raw: {},
      version: null,
      timestamp: null,
      occurredAt: null,
      envelope: 'legacy-data',
    });
  });

  it('prefers `data` over `body` when both are sent', () => {
    const event = parseAs({ topic: 'sms.sent', data: { id: 'a' }, body: { id: 'b' } }, 'sms.sent');
    expect(event.data.id).toBe('a');
    expect(event.envelope).toBe('legacy-data');
  });
});

describe('unknown topics and fields', () => {
  it('parses any unknown topic as the unknown variant, keeping the payload', () => {
    const event = parseAs(v2('call.transferred', { id: 'cll_1', anything: [1, 2] }), 'unknown');
    expect(event.originalTopic).toBe('call.transferred');
    expect(event.data).toEqual({ id: 'cll_1', anything: [1, 2] });
    expect(event.envelope).toBe('v2');
  });

  it('matches topics exactly (case matters)', () => {
    expect(parseOk(v2('Call.Completed', {})).topic).toBe('unknown');
    expect(parseOk(v2('call_received', {})).topic).toBe('unknown');
  });

  it('keeps unknown fields in raw and custom person properties in custom', () => {
    const event = parseAs(
      v2('call.received', {
        from_number: '+1',
        brand_new_field: { nested: true },
        person: { id: 'con_1', linkedin_url: 'https://x', score: 3, emails: [] },
      }),
      'call.received',
    );
    expect(event.raw['brand_new_field']).toEqual({ nested: true });
    expect(event.data.person?.custom).toEqual({ linkedin_url: 'https://x', score: 3 });
    expect(event.data.person?.emails).toEqual([]);
  });

  it('puts unknown contact keys in custom but not company or deals', () => {
    const event = parseAs(
      v2('contact.created', { id: 'con_1', lead_source: 'Ads', company: { id: 'com-1', name: null } }),
      'contact.created',
    );
    expect(event.data.custom).toEqual({ lead_source: 'Ads' });
    expect(event.data.company).toEqual({ id: 'com-1', name: null });
  });
});

describe('documented field variants', () => {
  it('reads to_number from `to` or `to_number` (canonical name wins)', () => {
    const viaTo = parseAs(v2('call.completed', { to: '+2' }), 'call.completed');
    const viaToNumber = parseAs(v2('call.completed', { to_number: '+2' }), 'call.completed');
    const both = parseAs(v2('call.completed', { to_number: '+3', to: '+2' }), 'call.completed');
    expect([viaTo.data.to_number, viaToNumber.data.to_number, both.data.to_number]).toEqual([
      '+2',
      '+2',
      '+3',
    ]);
  });

  it('reads start_date from start_date, started_at or startDate', () => {
    for (const key of ['start_date', 'started_at', 'startDate']) {
      expect(parseAs(v2('call.completed', { [key]: 'T' }), 'call.completed').data.start_date).toBe('T');
    }
  });

  it('reads call.completed tags from tags, tag, call_category and tag objects', () => {
    const tagsOf = (data: object) => parseAs(v2('call.completed', data), 'call.completed').data.tags;
    expect(tagsOf({ tags: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(tagsOf({ tag: 'a' })).toEqual(['a']);
    expect(tagsOf({ call_category: 'Sales' })).toEqual(['Sales']);
    expect(tagsOf({ tags: [{ id: 'tag-1', name: 'vip', color: 'red' }] })).toEqual(['vip']);
    expect(tagsOf({ tags: [] })).toEqual([]);
    expect(tagsOf({ tags: null, tag: 'a' })).toEqual(['a']);
    expect(tagsOf({})).toBeNull();
  });

  it('reads tag events from every plausible shape', () => {
    const read = (data: object) => parseAs(v2('tag.removed', data), 'tag.removed').data;
    expect(read({ call_id: 'c1', tag: 'x' })).toEqual({ call_id: 'c1', tags: ['x'] });
    expect(read({ id: 'c1', tags: ['x', 'y'] })).toEqual({ call_id: 'c1', tags: ['x', 'y'] });
    expect(read({ call: { id: 'c1' }, tag: { id: 'tag-1', name: 'x' } })).toEqual({
      call_id: 'c1',
      tags: ['x'],
    });
    expect(read({ call: 'c1', tags: [{ name: 'x' }] })).toEqual({ call_id: 'c1', tags: ['x'] });
    // A payload that is itself a REST tag object: its `id` is the tag's, not the call's.
    expect(read({ id: 'tag-1', name: 'x', color: 'red' })).toEqual({ call_id: null, tags: ['x'] });
    expect(read({ id: 'tag-1', name: 'x', call_id: 'c1' })).toEqual({ call_id: 'c1', tags: ['x'] });
    expect(read({})).toEqual({ call_id: null, tags: [] });
  });

  it('reads summary.updated from the REST summary shape', () => {
    const event = parseAs(
      v2('summary.updated', {
        id: 'cll-1',
        content: '**New**',
        version: 3,
        updated_at: '2026-02-03T10:00:00Z',
        updated_by: { id: 'usr-1', name: 'Dana' },
      }),
      'summary.updated',
    );
    expect(event.data).toEqual({
      call_id: 'cll-1',
      content: '**New**',
      version: 3,
      updated_at: '2026-02-03T10:00:00Z',
      updated_by: { id: 'usr-1', name: 'Dana' },
    });
  });

  it('reads call.answered like call.received plus its direction', () => {
    const event = parseAs(v2('call.answered', { id: 'cll_1', type: 'OUTBOUND', to: '+2' }), 'call.answered');
    expect(event.data).toMatchObject({ id: 'cll_1', type: 'OUTBOUND', to_number: '+2', person: null });
  });

  it('accepts null wherever a field is optional, and a call.completed without id', () => {
    const event = parseAs(
      v2('call.completed', { id: null, summary: null, recording_url: null, person: null, deals: null }),
      'call.completed',
    );
    expect(event.data).toMatchObject({ id: null, summary: null, recording_url: null, person: null });
  });

  it('treats the envelope as v2 when version or timestamp is present, even with a legacy topic', () => {
    expect(parseOk({ topic: 'SMS_SENT', version: '2.0', data: {} }).envelope).toBe('v2');
    expect(parseOk({ topic: 'sms.sent', data: {} }).envelope).toBe('legacy-data');
  });
});
