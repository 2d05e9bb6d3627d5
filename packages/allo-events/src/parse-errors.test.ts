import { describe, expect, it } from '@jest/globals';
import { parseIssue, v2 } from './test-support.js';

describe('parseAlloEvent errors name the path of the bad field', () => {
  it.each([
    ['not JSON', '{"topic":', '$'],
    ['empty bytes', Buffer.alloc(0), '$'],
    ['a JSON array', '[1,2]', '$'],
    ['a JSON string', '"call.completed"', '$'],
    ['null', null, '$'],
    ['a number', 42, '$'],
    ['undefined', undefined, '$'],
  ])('rejects %s at $', (_label, input, path) => {
    expect(parseIssue(input).path).toBe(path);
  });

  it('requires topic to be a present string', () => {
    expect(parseIssue({ data: {} })).toEqual({ path: 'topic', message: 'topic is required' });
    expect(parseIssue({ topic: 7, data: {} })).toEqual({
      path: 'topic',
      message: 'topic must be a string, got number',
    });
  });

  it('rejects an unparseable or zone-less envelope timestamp at `timestamp`', () => {
    for (const timestamp of ['yesterday', '2026-02-30T00:00:00Z', '2026-02-03T09:12:04', 1767225600]) {
      expect(parseIssue({ topic: 'sms.sent', timestamp, data: {} }).path).toBe('timestamp');
    }
  });

  it('rejects a non-string version at `version`', () => {
    expect(parseIssue({ topic: 'sms.sent', version: 2, data: {} }).path).toBe('version');
  });

  it('rejects a non-object payload at data or body, even for unknown topics', () => {
    expect(parseIssue(v2('call.completed', [1])).path).toBe('data');
    expect(parseIssue({ topic: 'CALL_RECEIVED', body: 'text' }).path).toBe('body');
    expect(parseIssue(v2('mystery.topic', 'text')).path).toBe('data');
  });

  it('requires a payload for known topics', () => {
    expect(parseIssue({ topic: 'call.completed', version: '2.0' }).path).toBe('data');
  });

  it.each([
    ['call.completed', { tags: ['a', 'b', 3] }, 'data.tags[2]'],
    ['call.completed', { tags: [{ id: 'tag-1' }] }, 'data.tags[0].name'],
    ['call.completed', { tag: 5 }, 'data.tag'],
    ['call.completed', { to: 14155550100 }, 'data.to'],
    ['call.completed', { length_in_minutes: '5.5' }, 'data.length_in_minutes'],
    ['call.completed', { lengthInMinutes: '5.5' }, 'data.lengthInMinutes'],
    ['call.completed', { transcriptions: {} }, 'data.transcriptions'],
    ['call.completed', { transcriptions: [{ text: 'a' }, 'b'] }, 'data.transcriptions[1]'],
    ['call.completed', { transcriptions: [{ time: true }] }, 'data.transcriptions[0].time'],
    ['call.received', { person: { emails: 'a@b.c' } }, 'data.person.emails'],
    ['call.received', { person: { emails: ['a@b.c', 1] } }, 'data.person.emails[1]'],
    ['call.received', { person: 'con_1' }, 'data.person'],
    ['call.received', { company: { id: 1 } }, 'data.company.id'],
    ['call.received', { deals: [{ value: '18000' }] }, 'data.deals[0].value'],
    ['call.received', { deals: {} }, 'data.deals'],
    ['tag.added', { call: 1 }, 'data.call'],
    ['tag.added', { call: { id: 1 } }, 'data.call.id'],
    ['sms.received', { content: ['hi'] }, 'data.content'],
    ['contact.updated', { numbers: [null] }, 'data.numbers[0]'],
    ['summary.updated', { updated_by: { name: 1 } }, 'data.updated_by.name'],
  ])('%s %j fails at %s', (topic, data, path) => {
    const issue = parseIssue(v2(topic, data));
    expect(issue.path).toBe(path);
    expect(issue.message).toContain(path);
  });

  it('uses the body path for the Apidog envelope', () => {
    expect(parseIssue({ topic: 'CALL_RECEIVED', body: { tags: [1] } }).path).toBe('body.tags[0]');
  });
});
