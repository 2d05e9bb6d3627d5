import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** timestamptz: written as Date or ISO string, read as Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: written as a JSON string or value, read as parsed JSON. */
type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export type CallStatus = 'ringing' | 'initiated' | 'answered' | 'completed';

export interface CallsTable {
  call_id: string;
  direction: string | null;
  from_number: string | null;
  to_number: string | null;
  from_name: string | null;
  to_name: string | null;
  user_email: string | null;
  contact_id: string | null;
  status: CallStatus | null;
  result: string | null;
  started_at: Timestamp | null;
  duration_seconds: number | null;
  summary: string | null;
  recording_url: string | null;
  transcript: Json | null;
  first_event_at: Timestamp;
  last_event_at: Timestamp;
  data: Json<Record<string, unknown>>;
}

export interface CallTagsTable {
  call_id: string;
  tag: string;
  present: boolean;
  changed_at: Timestamp;
}

export interface MessagesTable {
  message_id: string;
  direction: string | null;
  type: string | null;
  content: string | null;
  from_number: string | null;
  to_number: string | null;
  from_name: string | null;
  to_name: string | null;
  user_email: string | null;
  sent_at: Timestamp | null;
  last_event_at: Timestamp;
  data: Json<Record<string, unknown>>;
}

export interface ContactsTable {
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  job_title: string | null;
  email: string | null;
  emails: string[];
  numbers: string[];
  company_id: string | null;
  company_name: string | null;
  custom: Json<Record<string, unknown>>;
  updated_at: Timestamp;
  data: Json<Record<string, unknown>>;
}

/** Which generation of each projection serves read_model.* and how often it was reset. */
export interface ProjectionsTable {
  projection: string;
  live_version: number;
  /** Bumped by every swap, reset and in-place rebuild; consumers re-seek when it changes. */
  epoch: ColumnType<string, string | number, string | number>;
  updated_at: Timestamp;
}

export interface ProjectionOffsetsTable {
  projection: string;
  version: number;
  topic: string;
  partition: number;
  /** The next Kafka offset to apply (last applied + 1). */
  next_offset: ColumnType<string, string | number | bigint, string | number | bigint>;
  last_event_at: Timestamp | null;
  updated_at: Timestamp;
  /** The Kafka cluster the offset was read on (null: written before it was recorded). */
  cluster_id: string | null;
  /** Fingerprint of the record at next_offset - 1 (null: seeded or reset, nothing applied yet). */
  anchor: string | null;
}

/** Facts about one generation of a projection; a missing row means a complete generation. */
export interface GenerationsTable {
  projection: string;
  version: number;
  created_at: Generated<Date>;
  /** Why the generation lacks part of the log (built from a truncated log, or from a time); null when complete. */
  partial_reason: string | null;
  /** The offsets the generation started from, by partition (null: from the log start). */
  start_offsets: Json<Record<string, string>> | null;
}

/** A condition that stops a projector from consuming (e.g. a log that cannot be continued). */
export interface ProjectionFaultsTable {
  projection: string;
  version: number;
  kind: string;
  /** The projection's epoch when it was found; a reset, rebuild or swap (new epoch) supersedes it. */
  epoch: ColumnType<string, string | number, string | number>;
  message: string;
  /** What the operator can do about it. */
  fix: string;
  detail: Json<unknown[]>;
  since: Generated<Date>;
  updated_at: Timestamp;
}

export interface DeadLettersTable {
  id: Generated<string>;
  projection: string;
  version: number;
  topic: string;
  partition: number;
  kafka_offset: ColumnType<string, string | number | bigint, string | number | bigint>;
  webhook_id: string | null;
  error: string;
  raw_key: Buffer | null;
  raw_value: Buffer | null;
  headers: Json<Record<string, string>>;
  created_at: Generated<Date>;
  replayed_at: Timestamp | null;
}

/**
 * The read-model database. `read_model.<table>` are views onto the live generation of each
 * projection (see generations.ts); the unqualified names are the same tables inside one
 * generation's schema, used with `db.withSchema(schema)` by projectors and rebuilds.
 */
export interface ReadModelDatabase {
  'read_model.calls': CallsTable;
  'read_model.call_tags': CallTagsTable;
  'read_model.messages': MessagesTable;
  'read_model.contacts': ContactsTable;
  'read_model.projections': ProjectionsTable;
  'read_model.projection_offsets': ProjectionOffsetsTable;
  'read_model.dead_letters': DeadLettersTable;
  'read_model.generations': GenerationsTable;
  'read_model.projection_faults': ProjectionFaultsTable;
  calls: CallsTable;
  call_tags: CallTagsTable;
  messages: MessagesTable;
  contacts: ContactsTable;
}

export type CallRow = Selectable<CallsTable>;
export type NewCallRow = Insertable<CallsTable>;
export type CallTagRow = Selectable<CallTagsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type ContactRow = Selectable<ContactsTable>;
export type NewContactRow = Insertable<ContactsTable>;
export type DeadLetterRow = Selectable<DeadLettersTable>;
