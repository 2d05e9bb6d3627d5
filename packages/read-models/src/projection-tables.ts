import { sql, type Kysely } from 'kysely';

export const PROJECTION_NAMES = ['calls', 'messages', 'contacts'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

export function isProjectionName(value: string): value is ProjectionName {
  return (PROJECTION_NAMES as readonly string[]).includes(value);
}

/** The tables of one projection generation that are exposed as `read_model.<table>` views. */
export const PUBLIC_TABLES: Record<ProjectionName, readonly string[]> = {
  calls: ['calls', 'call_tags'],
  messages: ['messages'],
  contacts: ['contacts'],
};

/**
 * Creates one generation's tables in `schema` (which must exist). The indexes serve the query
 * API's filters and its (time desc, id desc) keyset pagination.
 */
export async function createProjectionTables(
  db: Kysely<unknown>,
  projection: ProjectionName,
  schema: string,
): Promise<void> {
  const statements = TABLE_DDL[projection](sql.id(schema));
  for (const statement of statements) await statement.execute(db);
}

type Ddl = (schema: ReturnType<typeof sql.id>) => ReturnType<typeof sql>[];

const TABLE_DDL: Record<ProjectionName, Ddl> = {
  calls: (s) => [
    sql`create table ${s}.calls (
      call_id text primary key,
      direction text, from_number text, to_number text, from_name text, to_name text,
      user_email text, contact_id text,
      status text check (status in ('ringing', 'initiated', 'answered', 'completed')),
      result text, started_at timestamptz, duration_seconds integer,
      summary text, recording_url text, transcript jsonb,
      first_event_at timestamptz not null, last_event_at timestamptz not null,
      data jsonb not null default '{}'::jsonb)`,
    sql`create index on ${s}.calls (started_at desc, call_id desc)`,
    sql`create index on ${s}.calls (from_number, started_at desc, call_id desc)`,
    sql`create index on ${s}.calls (to_number, started_at desc, call_id desc)`,
    sql`create index on ${s}.calls (contact_id, started_at desc, call_id desc)`,
    sql`create index on ${s}.calls (status, started_at desc, call_id desc)`,
    sql`create index on ${s}.calls (result, started_at desc, call_id desc)`,
    sql`create index on ${s}.calls (direction, started_at desc, call_id desc)`,
    sql`create table ${s}.call_tags (
      call_id text not null, tag text not null, present boolean not null, changed_at timestamptz not null,
      primary key (call_id, tag))`,
    sql`create index on ${s}.call_tags (tag, call_id) where present`,
    // Every event applied to this generation, so a call's row can be folded again from all of its
    // events whatever order they came in (see packages/projections). call_key is the row the event
    // belongs to now: its own key, or for a ringing event without an id, the call it correlates to.
    sql`create table ${s}.call_events (
      webhook_id text primary key, call_key text not null, own_key text not null,
      kind text not null check (kind in ('anchor', 'floating', 'plain')), topic text not null,
      occurred_at timestamptz not null, from_number text, to_number text, started_at timestamptz,
      payload jsonb not null)`,
    sql`create index on ${s}.call_events (call_key)`,
    sql`create index on ${s}.call_events (from_number, to_number, started_at) where kind <> 'plain'`,
    // GET /v1/stats counts events per topic and time bucket over a time range.
    sql`create index on ${s}.call_events (occurred_at)`,
  ],
  messages: (s) => [
    sql`create table ${s}.messages (
      message_id text primary key,
      direction text, type text, content text,
      from_number text, to_number text, from_name text, to_name text, user_email text,
      sent_at timestamptz, last_event_at timestamptz not null, last_webhook_id text not null,
      data jsonb not null default '{}'::jsonb)`,
    sql`create index on ${s}.messages (sent_at desc, message_id desc)`,
    sql`create index on ${s}.messages (from_number, sent_at desc, message_id desc)`,
    sql`create index on ${s}.messages (to_number, sent_at desc, message_id desc)`,
    sql`create index on ${s}.messages (direction, sent_at desc, message_id desc)`,
    sql`create table ${s}.applied_webhooks (webhook_id text primary key)`,
  ],
  contacts: (s) => [
    sql`create table ${s}.contacts (
      contact_id text primary key,
      first_name text, last_name text, job_title text,
      email text, emails text[] not null default '{}', numbers text[] not null default '{}',
      company_id text, company_name text,
      custom jsonb not null default '{}'::jsonb,
      updated_at timestamptz not null,
      data jsonb not null default '{}'::jsonb)`,
    sql`create index on ${s}.contacts using gin (numbers)`,
    sql`create index on ${s}.contacts (lower(email))`,
    sql`create index on ${s}.contacts (updated_at desc, contact_id desc)`,
    // GET /v1/contacts?q=: case-insensitive prefix search without extensions (no pg_trgm); the
    // query API spells these expressions exactly so the planner matches them.
    sql`create index on ${s}.contacts (lower(first_name) text_pattern_ops)`,
    sql`create index on ${s}.contacts (lower(last_name) text_pattern_ops)`,
    sql`create index on ${s}.contacts (lower(first_name || ' ' || last_name) text_pattern_ops)`,
    sql`create index on ${s}.contacts (lower(email) text_pattern_ops)`,
    sql`create table ${s}.contact_events (
      webhook_id text primary key, contact_id text not null, topic text not null,
      occurred_at timestamptz not null, state jsonb not null)`,
    sql`create index on ${s}.contact_events (contact_id)`,
    sql`create index on ${s}.contact_events (occurred_at)`,
  ],
};
