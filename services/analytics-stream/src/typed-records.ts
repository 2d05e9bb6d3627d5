// Avro-shaped values of the typed topics (field names as in typed-schemas.ts), built from the
// folds of packages/projections, so a typed record says what the read model's row would say
// after the same events. Pure: no Kafka, no registry.
import type { ContactData, SmsData } from '@allo-pipeline/allo-events';
import type { FoldedCall, foldContact } from '@allo-pipeline/projections';

/** The delivery facts every typed record carries. */
export interface DeliveryFields {
  event_topic: string;
  webhook_id: string;
  /** Epoch milliseconds (timestamp-millis). */
  event_time: number;
  received_at: number;
  source: string;
}

export interface CallValue extends DeliveryFields {
  call_id: string;
  status: string | null;
  direction: string | null;
  result: string | null;
  from_number: string | null;
  to_number: string | null;
  from_name: string | null;
  to_name: string | null;
  user_email: string | null;
  contact_id: string | null;
  started_at: number | null;
  duration_seconds: number | null;
  has_summary: boolean;
  has_recording: boolean;
  has_transcript: boolean;
  tags: string[];
  first_event_at: number;
  last_event_at: number;
}

export interface MessageValue extends DeliveryFields {
  message_id: string;
  direction: string | null;
  type: string | null;
  content: string | null;
  from_number: string | null;
  to_number: string | null;
  from_name: string | null;
  to_name: string | null;
  user_email: string | null;
  status: string | null;
  sent_at: number | null;
}

export interface ContactValue extends DeliveryFields {
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  job_title: string | null;
  email: string | null;
  emails: string[];
  numbers: string[];
  company_id: string | null;
  company_name: string | null;
  custom_properties_json: string | null;
}

export function toCallValue(folded: FoldedCall, delivery: DeliveryFields): CallValue {
  const { call } = folded;
  return {
    call_id: call.call_id,
    ...delivery,
    status: call.status ?? null,
    direction: call.direction ?? null,
    result: call.result ?? null,
    from_number: call.from_number ?? null,
    to_number: call.to_number ?? null,
    from_name: call.from_name ?? null,
    to_name: call.to_name ?? null,
    user_email: call.user_email ?? null,
    contact_id: call.contact_id ?? null,
    started_at: call.started_at?.getTime() ?? null,
    duration_seconds: call.duration_seconds ?? null,
    has_summary: isPresentText(call.summary),
    has_recording: isPresentText(call.recording_url),
    has_transcript: Array.isArray(call.transcript) && call.transcript.length > 0,
    tags: folded.tags.filter((t) => t.present).map((t) => t.tag),
    first_event_at: call.first_event_at.getTime(),
    last_event_at: call.last_event_at.getTime(),
  };
}

export type MessageState = Omit<MessageValue, keyof DeliveryFields>;

/** The message state one sms.* event describes (the newest event of a message wins whole). */
export function toMessageState(messageId: string, data: SmsData, inbound: boolean): MessageState {
  return {
    message_id: messageId,
    direction: data.direction ?? (inbound ? 'INBOUND' : 'OUTBOUND'),
    type: data.type,
    content: data.content,
    from_number: data.from_number ?? data.sender_id,
    to_number: data.to_number,
    from_name: data.from_name,
    to_name: data.to_name,
    user_email: data.user_email,
    status: data.status,
    sent_at: epochMillis(data.sent_at),
  };
}

export type ContactRow = ReturnType<typeof foldContact>;
export type ContactSnapshot = Parameters<typeof foldContact>[1][number]['state'];

/** What one contact.* payload says about the contact (unknown keys dropped: not folded here). */
export function contactSnapshot(contactId: string, data: ContactData): ContactSnapshot {
  return {
    contact_id: contactId,
    first_name: data.name,
    last_name: data.last_name,
    job_title: data.job_title,
    email: data.email,
    emails: data.emails,
    numbers: data.numbers,
    company_id: data.company?.id ?? null,
    company_name: data.company?.name ?? null,
    custom: data.custom,
    raw: {},
  };
}

export function toContactValue(row: ContactRow, delivery: DeliveryFields): ContactValue {
  return {
    contact_id: row.contact_id,
    ...delivery,
    first_name: row.first_name,
    last_name: row.last_name,
    job_title: row.job_title,
    email: row.email,
    emails: row.emails,
    numbers: row.numbers,
    company_id: row.company_id,
    company_name: row.company_name,
    custom_properties_json: Object.keys(row.custom).length === 0 ? null : JSON.stringify(row.custom),
  };
}

function isPresentText(value: string | null | undefined): boolean {
  return typeof value === 'string' && value !== '';
}

/** Epoch milliseconds of an ISO time as sent, or null when it names none. */
export function epochMillis(value: string | null): number | null {
  if (value === null) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}
