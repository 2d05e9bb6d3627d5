// Normalised event shapes. Field names are the v2 snake_case names; every documented alias (v1
// camelCase, `to` vs `to_number`, `tag` vs `tags`, ...) is folded into them by the readers.
// Absent and null both read as null (arrays too: null = "not sent", distinct from []).
import type { AlloTopic } from './topics.js';

/** Which envelope generation carried the payload (spec §1.2). */
export type EnvelopeKind = 'v2' | 'legacy-data' | 'legacy-body';

/** Spec §3.1 Person; `custom` holds every other key (workspace custom properties), as sent. */
export type Person = {
  id: string | null;
  /** First name. */
  name: string | null;
  last_name: string | null;
  email: string | null;
  emails: string[] | null;
  numbers: string[] | null;
  job_title: string | null;
  custom: Record<string, unknown>;
};

export type Company = { id: string | null; name: string | null };

export type Deal = {
  id: string | null;
  name: string | null;
  status: string | null;
  value: number | null;
  currency: string | null;
  /** Date-time without zone as sent, e.g. `2025-06-15T00:00:00`. */
  close_date: string | null;
};

/** Contact context attached to call events (spec §3.1). */
export type ContactContext = { person: Person | null; company: Company | null; deals: Deal[] | null };

/** call.received / call.triggered. `id` is null when absent (call.received documents none). */
export type CallStartedData = ContactContext & {
  id: string | null;
  from_number: string | null;
  to_number: string | null;
  started_at: string | null;
  user_email: string | null;
};

/** call.answered: payload undocumented [U]; read as CallStartedData plus the direction `type`. */
export type CallAnsweredData = CallStartedData & { type: string | null };

export type Transcription = { source: string | null; time: string | number | null; text: string | null };

export type CallCompletedData = ContactContext & {
  id: string | null;
  from_number: string | null;
  /** From `to_number` or `to` (the call.completed example uses `to`). */
  to_number: string | null;
  /** Direction: `INBOUND` / `OUTBOUND` (open string). */
  type: string | null;
  result: string | null;
  summary: string | null;
  /** From `start_date`, `started_at` or v1 `startDate`. */
  start_date: string | null;
  recording_url: string | null;
  from_name: string | null;
  to_name: string | null;
  length_in_minutes: number | null;
  length: string | null;
  /** From `tags` (strings or `{name}` objects), else v1 `tag`, else Apidog `call_category`. */
  tags: string[] | null;
  user_email: string | null;
  transcriptions: Transcription[] | null;
  one_sentence_summary: string | null;
  concatenated_transcript: string | null;
};

/** tag.added / tag.removed. `tags` is [] when no tag field was sent. */
export type TagChangedData = { call_id: string | null; tags: string[] };

export type SmsData = {
  id: string | null;
  direction: string | null;
  type: string | null;
  content: string | null;
  sent_at: string | null;
  from_number: string | null;
  to_number: string | null;
  from_name: string | null;
  to_name: string | null;
  user_email: string | null;
  sender_id: string | null;
  status: string | null;
};

/** contact.created / contact.updated: a Person (custom excludes `company`/`deals`) plus context. */
export type ContactData = Person & { company: Company | null; deals: Deal[] | null };

/** summary.updated: shape guessed from the REST call-summary object [O]. */
export type SummaryUpdatedData = {
  call_id: string | null;
  content: string | null;
  version: number | null;
  updated_at: string | null;
  updated_by: { id: string | null; name: string | null } | null;
};

/** Envelope facts carried by every variant. */
export type AlloEventMeta = {
  /** Envelope `version` (`"2.0"` in v2); null for legacy envelopes. */
  version: string | null;
  /** Envelope `timestamp` exactly as sent; null when absent (legacy). */
  timestamp: string | null;
  /** `timestamp` parsed; use it for last-write-wins ordering (spec §4.5). */
  occurredAt: Date | null;
  envelope: EnvelopeKind;
  /** The topic string exactly as sent (e.g. `CALL_RECEIVED` for a legacy call.completed). */
  sourceTopic: string;
  /** The whole data/body object as sent, unknown keys included. */
  raw: Record<string, unknown>;
};

type Variant<T extends AlloTopic, D> = AlloEventMeta & { topic: T; data: D };

export type UnknownAlloEvent = AlloEventMeta & {
  topic: 'unknown';
  originalTopic: string;
  data: Record<string, unknown>;
};

export type AlloEvent =
  | Variant<'call.received', CallStartedData>
  | Variant<'call.triggered', CallStartedData>
  | Variant<'call.answered', CallAnsweredData>
  | Variant<'call.completed', CallCompletedData>
  | Variant<'tag.added', TagChangedData>
  | Variant<'tag.removed', TagChangedData>
  | Variant<'sms.received', SmsData>
  | Variant<'sms.sent', SmsData>
  | Variant<'contact.created', ContactData>
  | Variant<'contact.updated', ContactData>
  | Variant<'summary.updated', SummaryUpdatedData>
  | UnknownAlloEvent;

/** The variant of AlloEvent for one topic, e.g. `AlloEventOf<'call.completed'>`. */
export type AlloEventOf<T extends AlloEvent['topic']> = Extract<AlloEvent, { topic: T }>;

export type ParseIssue = {
  /** Where the bad value is: `$` (the body), `topic`, `timestamp`, `data.person.emails[1]`, ... */
  path: string;
  message: string;
};

export type ParseOutcome = { ok: true; event: AlloEvent } | { ok: false; error: ParseIssue };
