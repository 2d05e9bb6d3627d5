import type { AlloEvent } from './types.js';

/**
 * Kafka partition key: the entity whose order matters. Pure and deterministic; never throws.
 *
 * Keys are prefixed by entity kind so ids of different kinds can never collide:
 * - call.*, tag.*, summary.updated -> `call:<call id>` (tag and summary events share the call's
 *   key, so a tag.added stays ordered relative to its call.completed, spec §4.5).
 * - Call events without an id (call.received documents none) -> `call-number:<external number>`:
 *   the caller's `from_number` for inbound calls (call.received, or `type` INBOUND), the callee's
 *   `to_number` for outbound ones (call.triggered, or `type` OUTBOUND, any case); from_number
 *   when the direction is unknown; the other number when that one is absent. A ringing event and
 *   an id-less completion with the same numbers thus share a partition; an id-carrying completion
 *   cannot be linked to an id-less ringing event (projections must be order-insensitive anyway).
 * - sms.* -> `sms:<message id>`, else `sms-number:<external number>` (the conversation: from_number
 *   for sms.received, to_number for sms.sent, falling back to the other number).
 * - contact.* -> `contact:<contact id>`.
 * - Otherwise (no usable id/number) -> `topic:<v2 topic>`; unknown variant -> `topic:<topic as sent>`.
 * Empty or whitespace-only ids and numbers count as absent.
 */
export function partitionKey(event: AlloEvent): string {
  const byTopic = `topic:${event.topic === 'unknown' ? event.originalTopic : event.topic}`;
  switch (event.topic) {
    case 'call.received':
    case 'call.triggered':
    case 'call.answered':
    case 'call.completed':
      return keyFrom('call', event.data.id) ?? keyFrom('call-number', callExternalNumber(event)) ?? byTopic;
    case 'tag.added':
    case 'tag.removed':
    case 'summary.updated':
      return keyFrom('call', event.data.call_id) ?? byTopic;
    case 'sms.received':
    case 'sms.sent':
      return keyFrom('sms', event.data.id) ?? keyFrom('sms-number', smsExternalNumber(event)) ?? byTopic;
    case 'contact.created':
    case 'contact.updated':
      return keyFrom('contact', event.data.id) ?? byTopic;
    case 'unknown':
      return byTopic;
  }
}

function keyFrom(kind: string, value: string | null): string | null {
  return value === null || value.trim() === '' ? null : `${kind}:${value}`;
}

type CallEvent = Extract<AlloEvent, { topic: `call.${string}` }>;

function callExternalNumber(event: CallEvent): string | null {
  const { from_number: from, to_number: to } = event.data;
  const direction = 'type' in event.data ? event.data.type : null;
  const outbound = event.topic === 'call.triggered' || direction?.toUpperCase() === 'OUTBOUND';
  return outbound ? firstPresent(to, from) : firstPresent(from, to);
}

function smsExternalNumber(event: Extract<AlloEvent, { topic: `sms.${string}` }>): string | null {
  const { from_number: from, to_number: to } = event.data;
  return event.topic === 'sms.sent' ? firstPresent(to, from) : firstPresent(from, to);
}

function firstPresent(first: string | null, second: string | null): string | null {
  return first !== null && first.trim() !== '' ? first : second;
}
