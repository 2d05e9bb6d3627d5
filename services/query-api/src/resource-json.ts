import type { CallRow, ContactRow, MessageRow } from '@allo-pipeline/read-models';

// The API's JSON: snake_case fields mirroring the read-model columns, `id` for the primary key,
// timestamps as ISO 8601 UTC strings.

export const CALL_ITEM_COLUMNS = [
  'call_id',
  'direction',
  'from_number',
  'to_number',
  'from_name',
  'to_name',
  'user_email',
  'contact_id',
  'status',
  'result',
  'started_at',
  'duration_seconds',
  'summary',
  'recording_url',
  'first_event_at',
  'last_event_at',
] as const;

export const MESSAGE_ITEM_COLUMNS = [
  'message_id',
  'direction',
  'type',
  'content',
  'from_number',
  'to_number',
  'from_name',
  'to_name',
  'user_email',
  'sent_at',
  'last_event_at',
] as const;

export const CONTACT_ITEM_COLUMNS = [
  'contact_id',
  'first_name',
  'last_name',
  'job_title',
  'email',
  'emails',
  'numbers',
  'company_id',
  'company_name',
  'custom',
  'updated_at',
] as const;

export type CallItemRow = Pick<CallRow, (typeof CALL_ITEM_COLUMNS)[number]>;
export type MessageItemRow = Pick<MessageRow, (typeof MESSAGE_ITEM_COLUMNS)[number]>;
export type ContactItemRow = Pick<ContactRow, (typeof CONTACT_ITEM_COLUMNS)[number]>;

export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

// Fields are listed one by one: rows arrive with extra columns (cursor keys) that stay internal.
export function toCallItem(row: CallItemRow, tags: readonly string[]) {
  return {
    id: row.call_id,
    direction: row.direction,
    from_number: row.from_number,
    to_number: row.to_number,
    from_name: row.from_name,
    to_name: row.to_name,
    user_email: row.user_email,
    contact_id: row.contact_id,
    status: row.status,
    result: row.result,
    started_at: iso(row.started_at),
    duration_seconds: row.duration_seconds,
    summary: row.summary,
    recording_url: row.recording_url,
    first_event_at: iso(row.first_event_at),
    last_event_at: iso(row.last_event_at),
    tags: [...tags].sort(),
  };
}

export function toCallDetail(row: CallRow, tags: readonly string[]) {
  return { ...toCallItem(row, tags), transcript: row.transcript ?? null, data: row.data };
}

export function toMessageItem(row: MessageItemRow) {
  return {
    id: row.message_id,
    direction: row.direction,
    type: row.type,
    content: row.content,
    from_number: row.from_number,
    to_number: row.to_number,
    from_name: row.from_name,
    to_name: row.to_name,
    user_email: row.user_email,
    sent_at: iso(row.sent_at),
    last_event_at: iso(row.last_event_at),
  };
}

export function toContactItem(row: ContactItemRow) {
  return {
    id: row.contact_id,
    first_name: row.first_name,
    last_name: row.last_name,
    job_title: row.job_title,
    email: row.email,
    emails: row.emails,
    numbers: row.numbers,
    company_id: row.company_id,
    company_name: row.company_name,
    custom: row.custom,
    updated_at: iso(row.updated_at),
  };
}

export function toContactDetail(row: ContactRow) {
  return { ...toContactItem(row), data: row.data };
}

export type CallItem = ReturnType<typeof toCallItem>;
export type MessageItem = ReturnType<typeof toMessageItem>;
export type ContactItem = ReturnType<typeof toContactItem>;
