// Realistic Allo payloads (spec §3 shapes) for projection specs; parsed by the real parser.
import { parseAlloEvent } from '@allo-pipeline/allo-events';
import type { ProjectionEvent } from '../../src/projection-event.js';

export function event(
  webhookId: string,
  topic: string,
  at: string,
  data: Record<string, unknown>,
): ProjectionEvent {
  const parsed = parseAlloEvent(Buffer.from(JSON.stringify({ topic, version: '2.0', timestamp: at, data })));
  if (!parsed.ok)
    throw new Error(`fixture ${webhookId} does not parse: ${parsed.error.path}: ${parsed.error.message}`);
  return { webhookId, occurredAt: parsed.event.occurredAt ?? new Date(at), event: parsed.event };
}

export const person = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  name: 'Jordan',
  last_name: 'Whitfield',
  email: 'jordan@example.com',
  emails: ['jordan@example.com'],
  numbers: ['+14155550142'],
  job_title: 'Operations Manager',
  ...fields,
});

export const callReceived = (webhookId: string, at: string, data: Record<string, unknown> = {}) =>
  event(webhookId, 'call.received', at, {
    from_number: '+14155550142',
    to_number: '+14155550100',
    started_at: at,
    user_email: 'dana@example.com',
    ...data,
  });

export const callCompleted = (webhookId: string, at: string, data: Record<string, unknown> = {}) =>
  event(webhookId, 'call.completed', at, {
    id: 'cll_1',
    start_date: '2026-02-03T09:12:04.201Z',
    from_number: '+14155550142',
    from_name: 'Jordan Whitfield',
    to: '+14155550100',
    to_name: 'Brightlane Sales',
    type: 'INBOUND',
    result: 'ANSWERED',
    length_in_minutes: 7.25,
    recording_url: 'https://recordings.example.net/cll_1.mp3',
    tags: ['pricing'],
    summary: 'Asked for pricing.',
    user_email: 'dana@example.com',
    transcriptions: [{ source: 'USER', time: 0, text: 'Hello' }],
    ...data,
  });

export const tagEvent = (
  webhookId: string,
  topic: 'tag.added' | 'tag.removed',
  at: string,
  callId: string,
  tag: string,
) => event(webhookId, topic, at, { call_id: callId, tag });

export const sms = (
  webhookId: string,
  topic: 'sms.received' | 'sms.sent',
  at: string,
  data: Record<string, unknown> = {},
) =>
  event(webhookId, topic, at, {
    id: 'msg_sms_1',
    direction: topic === 'sms.received' ? 'INBOUND' : 'OUTBOUND',
    type: 'SMS',
    content: 'Hi there',
    sent_at: at,
    from_number: '+14155550142',
    to_number: '+14155550100',
    ...data,
  });

export const contactEvent = (
  webhookId: string,
  topic: 'contact.created' | 'contact.updated',
  at: string,
  data: Record<string, unknown>,
) => event(webhookId, topic, at, data);
