import type { AlloEvent, AlloEventOf } from '@allo-pipeline/allo-events';
import type { ProjectionEvent } from '../projection-event.js';
import { indexableText, storableDate } from '../storable.js';

export const CALL_TOPICS = [
  'call.received',
  'call.triggered',
  'call.answered',
  'call.completed',
  'tag.added',
  'tag.removed',
  'summary.updated',
] as const;
export type CallTopic = (typeof CALL_TOPICS)[number];
export type CallEvent = AlloEventOf<CallTopic>;

/**
 * How an event takes part in correlation. An `anchor` carries a call id, both numbers and a start
 * time; a `floating` event (call.received documents no call id) has numbers and a start time but
 * no id, and joins the best-matching anchor; `plain` events are keyed as they are.
 */
export type CallEventKind = 'anchor' | 'floating' | 'plain';

/** A call event as stored in a generation's `call_events` table. */
export interface CallEventRow {
  webhook_id: string;
  /** The key the event has on its own; a floating event falls back to it when nothing matches. */
  own_key: string;
  kind: CallEventKind;
  topic: CallTopic;
  occurred_at: Date;
  from_number: string | null;
  to_number: string | null;
  started_at: Date | null;
  /** The normalised event (topic, data, raw), folded again whenever the call changes. */
  payload: { topic: CallTopic; data: CallEvent['data']; raw: Record<string, unknown> };
}

/**
 * Correlation window: a ringing event joins the completed call with the same from/to numbers whose
 * start time is within this many seconds of its own (the nearest one, then the smallest call id).
 */
export const CALL_CORRELATION_TOLERANCE_SECONDS = 5;

export function isCallEvent(event: AlloEvent): event is CallEvent {
  return (CALL_TOPICS as readonly string[]).includes(event.topic);
}

/** The explicit call id an event names, if any. */
export function explicitCallId(event: CallEvent): string | null {
  switch (event.topic) {
    case 'tag.added':
    case 'tag.removed':
    case 'summary.updated':
      return event.data.call_id;
    default:
      return event.data.id;
  }
}

/** Where explicitCallId reads the call id, for reject reasons. */
export function callIdPath(event: CallEvent): string {
  return event.topic === 'tag.added' || event.topic === 'tag.removed' || event.topic === 'summary.updated'
    ? 'data.call_id'
    : 'data.id';
}

export function toCallEventRow({
  webhookId,
  occurredAt,
  event,
}: ProjectionEvent & { event: CallEvent }): CallEventRow {
  const id = explicitCallId(event);
  const { from, to, started } = callParties(event);
  const correlatable = from !== null && to !== null && started !== null;
  const isStart = event.topic === 'call.received' || event.topic === 'call.triggered';
  const kind: CallEventKind =
    correlatable && id !== null ? 'anchor' : correlatable && isStart ? 'floating' : 'plain';
  return {
    webhook_id: webhookId,
    own_key: id ?? fallbackKey(event, webhookId, occurredAt),
    kind,
    topic: event.topic,
    occurred_at: occurredAt,
    from_number: from,
    to_number: to,
    started_at: started,
    payload: { topic: event.topic, data: event.data, raw: event.raw },
  };
}

// Without an id a start event is keyed by its numbers and start time, which is deterministic, so
// redeliveries and rebuilds land on the same row; any other event keys on its own delivery.
function fallbackKey(event: CallEvent, webhookId: string, occurredAt: Date): string {
  if (event.topic === 'call.received' || event.topic === 'call.triggered') {
    const { from, to, started } = callParties(event);
    return `ringing:${from ?? ''}|${to ?? ''}|${(started ?? occurredAt).toISOString()}`;
  }
  return `call:${webhookId}`;
}

// Numbers are indexed (and make up ringing keys and lock keys), so they are cut like any indexed text.
function callParties(event: CallEvent): { from: string | null; to: string | null; started: Date | null } {
  switch (event.topic) {
    case 'call.received':
    case 'call.triggered':
    case 'call.answered':
      return {
        from: indexableText(event.data.from_number),
        to: indexableText(event.data.to_number),
        started: storableDate(event.data.started_at),
      };
    case 'call.completed':
      return {
        from: indexableText(event.data.from_number),
        to: indexableText(event.data.to_number),
        started: storableDate(event.data.start_date),
      };
    default:
      return { from: null, to: null, started: null };
  }
}
