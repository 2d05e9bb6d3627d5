// What the typed stream knows about one raw partition: the webhook ids it has turned into typed
// records (dedup) and, per entity, what it needs to fold that entity's state. Pure and
// deterministic: the state after a sequence of raw records depends on that sequence only, so
// replaying the raw partition's committed prefix rebuilds exactly the state the committed typed
// records were computed from (see exactly-once.ts). Memory grows with the entities and events of
// the partition; call and contact events are kept slimmed (no bodies, no transcripts).
import {
  parseAlloEvent,
  type AlloEvent,
  type AlloEventOf,
  type CallCompletedData,
  type Person,
} from '@allo-pipeline/allo-events';
import {
  compareEvents,
  foldCall,
  foldContact,
  indexableText,
  storableDate,
} from '@allo-pipeline/projections';
import type { RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  contactSnapshot,
  toCallValue,
  toContactValue,
  toMessageState,
  type CallValue,
  type ContactSnapshot,
  type ContactValue,
  type DeliveryFields,
  type MessageState,
  type MessageValue,
} from './typed-records.js';

/** Why a raw record yields no typed record. */
export type SkipReason = 'duplicate' | 'unparseable' | 'not-typed' | 'no-entity-id';

export type TypedOutput =
  | { kind: 'record'; entity: 'calls'; key: string; value: CallValue }
  | { kind: 'record'; entity: 'messages'; key: string; value: MessageValue }
  | { kind: 'record'; entity: 'contacts'; key: string; value: ContactValue }
  | { kind: 'skip'; reason: SkipReason };

type Folded<E> = { webhook_id: string; occurred_at: Date } & E;
type StoredCallEvent = Folded<{ payload: { topic: string; data: unknown; raw: Record<string, unknown> } }>;
type Ordered = { occurredAt: Date; webhookId: string };

export interface PartitionState {
  readonly seen: Set<string>;
  readonly calls: Map<string, StoredCallEvent[]>;
  readonly messages: Map<string, { order: Ordered; value: MessageState }>;
  readonly contacts: Map<string, Folded<{ state: ContactSnapshot }>[]>;
}

export function createPartitionState(): PartitionState {
  return { seen: new Set(), calls: new Map(), messages: new Map(), contacts: new Map() };
}

/**
 * Applies one raw record to the state and returns the typed record it yields: at most one per
 * webhook id (a later record with a seen id is a `duplicate`), none for bodies that do not parse,
 * topics without a typed topic, or events naming no entity. Never throws for bad input.
 */
export function applyRawRecord(state: PartitionState, record: RawWebhookRecord): TypedOutput {
  if (state.seen.has(record.webhookId)) return { kind: 'skip', reason: 'duplicate' };
  const parsed = parseAlloEvent(record.body);
  if (!parsed.ok) return { kind: 'skip', reason: 'unparseable' };
  const { event } = parsed;
  const occurredAt = event.occurredAt ?? new Date(record.webhookTimestamp * 1000);
  const delivery: DeliveryFields = {
    event_topic: event.topic === 'unknown' ? event.originalTopic : event.topic,
    webhook_id: record.webhookId,
    event_time: occurredAt.getTime(),
    received_at: record.receivedAt,
    source: record.source,
  };
  const output = applyEvent(state, event, occurredAt, delivery);
  if (output.kind === 'record') state.seen.add(record.webhookId);
  return output;
}

function applyEvent(
  state: PartitionState,
  event: AlloEvent,
  at: Date,
  delivery: DeliveryFields,
): TypedOutput {
  switch (event.topic) {
    case 'call.received':
    case 'call.triggered':
    case 'call.answered':
    case 'call.completed':
    case 'tag.added':
    case 'tag.removed':
    case 'summary.updated':
      return applyCall(state, event, at, delivery);
    case 'sms.received':
    case 'sms.sent':
      return applyMessage(state, event, at, delivery);
    case 'contact.created':
    case 'contact.updated':
      return applyContact(state, event, at, delivery);
    default:
      return { kind: 'skip', reason: 'not-typed' };
  }
}

type CallEvent = AlloEventOf<
  | 'call.received'
  | 'call.triggered'
  | 'call.answered'
  | 'call.completed'
  | 'tag.added'
  | 'tag.removed'
  | 'summary.updated'
>;

function applyCall(state: PartitionState, event: CallEvent, at: Date, delivery: DeliveryFields): TypedOutput {
  const key = callKey(event, delivery.webhook_id, at);
  if (key === null) return { kind: 'skip', reason: 'no-entity-id' };
  const events = state.calls.get(key) ?? [];
  events.push({ webhook_id: delivery.webhook_id, occurred_at: at, payload: slimCallPayload(event) });
  state.calls.set(key, events);
  const value = toCallValue(foldCall(key, events as Parameters<typeof foldCall>[1]), delivery);
  return { kind: 'record', entity: 'calls', key, value };
}

/**
 * The call an event belongs to, keyed as the calls read model keys it on its own: the call id;
 * without one, a ringing event by its numbers and start time and any other event by its delivery.
 * A tag or summary naming no call belongs to none.
 */
function callKey(event: CallEvent, webhookId: string, at: Date): string | null {
  if (event.topic === 'tag.added' || event.topic === 'tag.removed' || event.topic === 'summary.updated')
    return present(event.data.call_id);
  const id = present(event.data.id);
  if (id !== null) return id;
  if (event.topic === 'call.received' || event.topic === 'call.triggered') {
    const from = indexableText(event.data.from_number) ?? '';
    const to = indexableText(event.data.to_number) ?? '';
    return `ringing:${from}|${to}|${(storableDate(event.data.started_at) ?? at).toISOString()}`;
  }
  return `call:${webhookId}`;
}

const NO_PERSON: Person = {
  id: null,
  name: null,
  last_name: null,
  email: null,
  emails: null,
  numbers: null,
  job_title: null,
  custom: {},
};

// foldCall reads presence, not content, of summaries and transcripts, and only the person's id:
// keep just that, so a call's retained events stay small.
function slimCallPayload(event: CallEvent): StoredCallEvent['payload'] {
  const raw = {};
  switch (event.topic) {
    case 'call.received':
    case 'call.triggered':
    case 'call.answered': {
      const person = event.data.person && { ...NO_PERSON, id: event.data.person.id };
      return { topic: event.topic, data: { ...event.data, person, company: null, deals: null }, raw };
    }
    case 'call.completed': {
      const d = event.data;
      const slim: CallCompletedData = {
        ...d,
        person: d.person && { ...NO_PERSON, id: d.person.id },
        company: null,
        deals: null,
        summary: d.summary === null || d.summary === '' ? d.summary : '…',
        transcriptions: d.transcriptions && d.transcriptions.slice(0, 1),
        one_sentence_summary: null,
        concatenated_transcript: null,
      };
      return { topic: event.topic, data: slim, raw };
    }
    case 'summary.updated': {
      const content = event.data.content === null || event.data.content === '' ? event.data.content : '…';
      return { topic: event.topic, data: { ...event.data, content }, raw };
    }
    default:
      return { topic: event.topic, data: event.data, raw };
  }
}

function applyMessage(
  state: PartitionState,
  event: AlloEventOf<'sms.received' | 'sms.sent'>,
  at: Date,
  delivery: DeliveryFields,
): TypedOutput {
  // As the messages read model: without a message id the delivery id stands in.
  const key = present(event.data.id) ?? `sms:${delivery.webhook_id}`;
  const order = { occurredAt: at, webhookId: delivery.webhook_id };
  const current = state.messages.get(key);
  if (!current || compareEvents(order, current.order) > 0) {
    const value = toMessageState(key, event.data, event.topic === 'sms.received');
    state.messages.set(key, { order, value });
  }
  const newest = state.messages.get(key)!;
  return { kind: 'record', entity: 'messages', key, value: { ...newest.value, ...delivery } };
}

function applyContact(
  state: PartitionState,
  event: AlloEventOf<'contact.created' | 'contact.updated'>,
  at: Date,
  delivery: DeliveryFields,
): TypedOutput {
  const key = present(event.data.id);
  if (key === null) return { kind: 'skip', reason: 'no-entity-id' };
  const events = state.contacts.get(key) ?? [];
  events.push({ webhook_id: delivery.webhook_id, occurred_at: at, state: contactSnapshot(key, event.data) });
  state.contacts.set(key, events);
  return {
    kind: 'record',
    entity: 'contacts',
    key,
    value: toContactValue(foldContact(key, events), delivery),
  };
}

function present(id: string | null): string | null {
  return id === null || id.trim() === '' ? null : id;
}
