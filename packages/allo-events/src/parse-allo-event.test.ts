import { describe, expect, it } from '@jest/globals';
import { parseAlloEvent } from './parse-allo-event.js';
import { SPEC_EXAMPLES } from './spec-examples.js';
import { parseAs, parseOk } from './test-support.js';

const example = (label: string): string => {
  const text = SPEC_EXAMPLES[label];
  if (text === undefined) throw new Error(`no spec example ${label}`);
  return text;
};

describe('parseAlloEvent on the spec examples', () => {
  it.each(Object.entries(SPEC_EXAMPLES))('parses %s from bytes, text and a parsed value', (label, text) => {
    const fromBytes = parseOk(Buffer.from(text, 'utf8'));
    expect(fromBytes.envelope).toBe('v2');
    expect(fromBytes.version).toBe('2.0');
    expect(fromBytes.occurredAt).toBeInstanceOf(Date);
    expect(fromBytes.topic).toBe(label.split(' ')[0]);
    expect(parseOk(text)).toEqual(fromBytes);
    expect(parseOk(JSON.parse(text))).toEqual(fromBytes);
  });

  it('reads call.received with the person, custom property, company and deals', () => {
    const event = parseAs(example('call.received'), 'call.received');
    expect(event.timestamp).toBe('2026-02-03T09:12:04.518Z');
    expect(event.occurredAt?.toISOString()).toBe('2026-02-03T09:12:04.518Z');
    expect(event.data).toMatchObject({
      id: null,
      from_number: '+14155550142',
      to_number: '+14155550100',
      started_at: '2026-02-03T09:12:04.201Z',
      user_email: 'dana.reyes@brightlane.io',
      company: { id: 'com-7f31c9ab02de', name: 'Harbor Freight Logistics' },
    });
    expect(event.data.person).toEqual({
      id: 'con_8dKq3ZtW1nVb6RyLp0Ha',
      name: 'Jordan',
      last_name: 'Whitfield',
      email: 'jordan@harborfreight-logistics.com',
      emails: ['jordan@harborfreight-logistics.com'],
      numbers: ['+14155550142'],
      job_title: 'Operations Manager',
      custom: { lead_source: 'Webinar' },
    });
    expect(event.data.deals).toEqual([
      {
        id: 'dea-41be77a0c5f2',
        name: 'Fleet tracking pilot',
        status: 'proposal',
        value: 18000,
        currency: 'USD',
        close_date: '2026-03-31T00:00:00',
      },
    ]);
  });

  it('reads call.triggered without contact context', () => {
    const event = parseAs(example('call.triggered'), 'call.triggered');
    expect(event.data).toEqual({
      id: null,
      from_number: '+14155550100',
      to_number: '+13125550177',
      started_at: '2026-02-03T10:40:10.874Z',
      user_email: 'dana.reyes@brightlane.io',
      person: null,
      company: null,
      deals: null,
    });
  });

  it('reads call.completed, mapping `to` to to_number', () => {
    const event = parseAs(example('call.completed'), 'call.completed');
    expect(event.data).toMatchObject({
      id: 'cll_3VfPq8LmZ2cX7wNt5RbJ',
      start_date: '2026-02-03T09:12:04.201Z',
      from_number: '+14155550142',
      from_name: 'Jordan Whitfield',
      to_number: '+14155550100',
      to_name: 'Brightlane Sales',
      type: 'INBOUND',
      result: 'ANSWERED',
      length_in_minutes: 7.25,
      length: '7m 15s',
      recording_url: 'https://recordings.example-cdn.net/cll_3VfPq8LmZ2cX7wNt5RbJ.mp3',
      tags: ['pricing', 'follow-up'],
      user_email: 'dana.reyes@brightlane.io',
      transcriptions: null,
      one_sentence_summary: null,
      person: null,
    });
    expect(event.raw['to']).toBe('+14155550100');
  });

  it('reads tag.added, sms.received, sms.sent and contact.updated', () => {
    expect(parseAs(example('tag.added'), 'tag.added').data).toEqual({
      call_id: 'cll_3VfPq8LmZ2cX7wNt5RbJ',
      tags: ['qualified'],
    });
    expect(parseAs(example('sms.received'), 'sms.received').data).toMatchObject({
      id: 'msg_9TzH4kWq1PnC6vLs2XbM',
      direction: 'INBOUND',
      content: 'Hi Dana, can we move the demo to Thursday 2pm?',
      sender_id: null,
      status: null,
    });
    expect(parseAs(example('sms.sent'), 'sms.sent').data).toMatchObject({
      to_number: '+14155550142',
      sent_at: '2026-02-03T11:07:11.902Z',
    });
    const contact = parseAs(example('contact.updated'), 'contact.updated');
    expect(contact.data).toMatchObject({
      id: 'con_8dKq3ZtW1nVb6RyLp0Ha',
      emails: ['jordan@harborfreight-logistics.com', 'j.whitfield@gmail.com'],
      job_title: 'VP Operations',
      custom: { lead_source: 'Webinar' },
      company: null,
      deals: null,
    });
  });

  it('keeps the whole data object as raw', () => {
    const text = example('call.received');
    const event = parseOk(text);
    expect(event.raw).toEqual((JSON.parse(text) as { data: unknown }).data);
  });

  it('accepts a UTF-8 byte order mark and a Uint8Array', () => {
    const text = example('sms.received (test vector)');
    expect(parseAlloEvent(`\uFEFF${text}`).ok).toBe(true);
    expect(parseAlloEvent(new TextEncoder().encode(`\uFEFF${text}`)).ok).toBe(true);
  });
});
