import { describe, expect, it } from '@jest/globals';
import { partitionKey } from './partition-key.js';
import { LEGACY_EXAMPLES, SPEC_EXAMPLES } from './spec-examples.js';
import { parseOk, v2 } from './test-support.js';

const keyOf = (input: unknown): string => partitionKey(parseOk(input));

describe('partitionKey', () => {
  it('keys the spec examples by their entity', () => {
    const keys = Object.fromEntries(
      Object.entries(SPEC_EXAMPLES).map(([label, text]) => [label, keyOf(text)]),
    );
    expect(keys).toEqual({
      'sms.received (test vector)': 'sms:msg_5HtYw2Lq8NcV1bRz6KpE',
      'call.received': 'call-number:+14155550142',
      'call.triggered': 'call-number:+13125550177',
      'call.completed': 'call:cll_3VfPq8LmZ2cX7wNt5RbJ',
      'tag.added': 'call:cll_3VfPq8LmZ2cX7wNt5RbJ',
      'sms.received': 'sms:msg_9TzH4kWq1PnC6vLs2XbM',
      'sms.sent': 'sms:msg_2GhR7nYt5QwE3kLp9VcA',
      'contact.updated': 'contact:con_8dKq3ZtW1nVb6RyLp0Ha',
    });
  });

  it('puts a tag event and a summary update on their call', () => {
    const call = keyOf(v2('call.completed', { id: 'cll_1' }));
    expect(keyOf(v2('tag.removed', { call_id: 'cll_1', tag: 'x' }))).toBe(call);
    expect(keyOf(v2('summary.updated', { id: 'cll_1' }))).toBe(call);
    expect(keyOf(v2('call.answered', { id: 'cll_1' }))).toBe(call);
  });

  it('keys id-less call events by the external number, following the direction', () => {
    const numbers = { from_number: '+1external', to_number: '+2allo' };
    const inbound = keyOf(v2('call.received', numbers));
    expect(inbound).toBe('call-number:+1external');
    expect(keyOf(v2('call.completed', { ...numbers, type: 'INBOUND' }))).toBe(inbound);
    expect(keyOf(v2('call.answered', numbers))).toBe(inbound);
    const outbound = { from_number: '+2allo', to: '+3external' };
    expect(keyOf(v2('call.triggered', outbound))).toBe('call-number:+3external');
    expect(keyOf(v2('call.completed', { ...outbound, type: 'outbound' }))).toBe('call-number:+3external');
    expect(keyOf(v2('call.received', { to_number: '+2allo' }))).toBe('call-number:+2allo');
  });

  it('keys id-less sms by the conversation number', () => {
    expect(keyOf(v2('sms.received', { from_number: '+1', to_number: '+2' }))).toBe('sms-number:+1');
    expect(keyOf(v2('sms.sent', { from_number: '+2', to_number: '+1' }))).toBe('sms-number:+1');
    expect(keyOf(v2('sms.sent', { sender_id: 'BRAND', from_number: '+2' }))).toBe('sms-number:+2');
  });

  it('falls back to the topic as sent when nothing identifies the entity', () => {
    expect(keyOf(v2('call.received', {}))).toBe('topic:call.received');
    expect(keyOf(v2('call.completed', { id: '  ', from_number: '' }))).toBe('topic:call.completed');
    expect(keyOf(v2('tag.added', { tag: 'x' }))).toBe('topic:tag.added');
    expect(keyOf(v2('contact.created', { name: 'Jo' }))).toBe('topic:contact.created');
    expect(keyOf(LEGACY_EXAMPLES.PING)).toBe('topic:PING');
    expect(keyOf(v2('something.new', { id: 'x' }))).toBe('topic:something.new');
    expect(keyOf({ topic: 'CALL_RECEIVED', data: {} })).toBe('topic:call.completed');
  });

  it('keys legacy deliveries like their v2 counterparts', () => {
    expect(keyOf(LEGACY_EXAMPLES['CALL_RECEIVED camelCase'])).toBe('call:call_1a2b3c');
    expect(keyOf(LEGACY_EXAMPLES['SMS_SENT v1'])).toBe('sms:msg_legacy2');
    expect(keyOf(LEGACY_EXAMPLES['CONTACT_UPDATED v1'])).toBe('contact:con_legacy');
  });
});
