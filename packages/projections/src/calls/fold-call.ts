import type {
  CallCompletedData,
  CallStartedData,
  SummaryUpdatedData,
  TagChangedData,
} from '@allo-pipeline/allo-events';
import type { CallStatus, NewCallRow } from '@allo-pipeline/read-models';
import { compareEvents, latest, mergeData } from '../projection-event.js';
import { indexableText, storableDate, storableSeconds, storableText } from '../storable.js';
import type { CallEventRow } from './call-event-row.js';

export interface CallTagState {
  call_id: string;
  tag: string;
  present: boolean;
  changed_at: Date;
}

export interface FoldedCall {
  call: NewCallRow & { started_at: Date | null; first_event_at: Date; last_event_at: Date };
  tags: CallTagState[];
}

type StoredCallEvent = Pick<CallEventRow, 'webhook_id' | 'occurred_at' | 'payload'>;

// ringing and initiated are both "started" (inbound vs outbound); status never moves back a rank.
const STATUS_RANK: Record<CallStatus, number> = { ringing: 1, initiated: 1, answered: 2, completed: 3 };
const IMPLIED_DIRECTION: Partial<Record<string, string>> = {
  'call.received': 'INBOUND',
  'call.triggered': 'OUTBOUND',
};
const STATUS_OF_TOPIC: Partial<Record<string, CallStatus>> = {
  'call.received': 'ringing',
  'call.triggered': 'initiated',
  'call.answered': 'answered',
  'call.completed': 'completed',
};

/**
 * Folds every event known for one call into its row and tag set. A pure function of the event
 * set: events are sorted by (event time, webhook id) first, so any delivery order, duplication or
 * replay gives the same result. Fields take the newest non-null value; status takes the highest
 * rank (ties: newest); tags are a last-writer-wins set by event time. Values come out storable
 * (storable.ts): indexed text cut, unstorable times and durations null; the raw values stay in data.
 */
export function foldCall(callKey: string, events: readonly StoredCallEvent[]): FoldedCall {
  const ordered = [...events]
    .map((e) => ({ ...e, webhookId: e.webhook_id, occurredAt: e.occurred_at }))
    .sort(compareEvents);
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  if (!first || !last) throw new Error(`foldCall needs at least one event for call ${callKey}`);
  const call: FoldedCall['call'] = emptyCall(callKey, first.occurred_at, last.occurred_at);
  const tags = new Map<string, CallTagState>();
  for (const event of ordered) {
    applyCallEvent(call, event.payload);
    applyTags(tags, callKey, event);
  }
  return { call, tags: [...tags.values()].sort((a, b) => (a.tag < b.tag ? -1 : 1)) };
}

function emptyCall(callKey: string, firstAt: Date, lastAt: Date): FoldedCall['call'] {
  return {
    call_id: callKey,
    direction: null,
    from_number: null,
    to_number: null,
    from_name: null,
    to_name: null,
    user_email: null,
    contact_id: null,
    status: null,
    result: null,
    started_at: null,
    duration_seconds: null,
    summary: null,
    recording_url: null,
    transcript: null,
    first_event_at: firstAt,
    last_event_at: lastAt,
    data: {},
  };
}

function applyCallEvent(call: FoldedCall['call'], payload: StoredCallEvent['payload']): void {
  call.data = mergeData(call.data as Record<string, unknown>, payload.raw);
  advanceStatus(call, STATUS_OF_TOPIC[payload.topic]);
  switch (payload.topic) {
    case 'call.received':
    case 'call.triggered':
    case 'call.answered': {
      const d = payload.data as CallStartedData & { type?: string | null };
      call.direction = latest(
        call.direction ?? null,
        indexableText(d.type ?? IMPLIED_DIRECTION[payload.topic]),
      );
      applyParties(call, d.from_number, d.to_number, d.user_email, d.person?.id ?? null);
      call.started_at = latest(call.started_at, storableDate(d.started_at));
      return;
    }
    case 'call.completed':
      applyCompleted(call, payload.data as CallCompletedData);
      return;
    case 'summary.updated': {
      const d = payload.data as SummaryUpdatedData;
      call.summary = latest(call.summary ?? null, d.content);
      return;
    }
    default:
      return;
  }
}

function applyCompleted(call: FoldedCall['call'], d: CallCompletedData): void {
  call.direction = latest(call.direction ?? null, indexableText(d.type));
  applyParties(call, d.from_number, d.to_number, d.user_email, d.person?.id ?? null);
  call.from_name = latest(call.from_name ?? null, d.from_name);
  call.to_name = latest(call.to_name ?? null, d.to_name);
  call.result = latest(call.result ?? null, indexableText(d.result));
  call.started_at = latest(call.started_at, storableDate(d.start_date));
  call.duration_seconds = latest(call.duration_seconds ?? null, storableSeconds(d.length_in_minutes));
  call.summary = latest(call.summary ?? null, d.summary);
  call.recording_url = latest(call.recording_url ?? null, d.recording_url);
  call.transcript = latest(call.transcript ?? null, d.transcriptions);
}

function applyParties(
  call: FoldedCall['call'],
  from: string | null,
  to: string | null,
  userEmail: string | null,
  contactId: string | null,
): void {
  call.from_number = latest(call.from_number ?? null, indexableText(from));
  call.to_number = latest(call.to_number ?? null, indexableText(to));
  call.user_email = latest(call.user_email ?? null, userEmail);
  call.contact_id = latest(call.contact_id ?? null, indexableText(contactId));
}

function advanceStatus(call: FoldedCall['call'], next: CallStatus | undefined): void {
  if (next === undefined) return;
  const current = call.status ?? null;
  if (current === null || STATUS_RANK[next] >= STATUS_RANK[current]) call.status = next;
}

function applyTags(tags: Map<string, CallTagState>, callKey: string, event: StoredCallEvent): void {
  const { topic, data } = event.payload;
  let names: readonly string[] = [];
  let present = true;
  if (topic === 'tag.added' || topic === 'tag.removed') {
    names = (data as TagChangedData).tags;
    present = topic === 'tag.added';
  } else if (topic === 'call.completed') {
    names = (data as CallCompletedData).tags ?? [];
  }
  for (const name of names) {
    // The tag keys its row: two names that store the same must be one tag here already.
    const tag = storableText(indexableText(name) ?? '');
    tags.set(tag, { call_id: callKey, tag, present, changed_at: event.occurred_at });
  }
}
