// Test and bench support (not exported by the package): fills the live generations of a migrated
// read-model database with synthetic rows, one set-based insert per table, then ANALYZEs them.
import { sql, type Kysely } from 'kysely';
import { generationSchema, readLiveGeneration, type ReadModelDatabase } from '@allo-pipeline/read-models';

export interface SeedSizes {
  readonly calls: number;
  readonly messages: number;
  readonly contacts: number;
}

export const SEED_SIZES: SeedSizes = { calls: 1_000_000, messages: 200_000, contacts: 100_000 };

/** Distinct customer numbers; every call and message has one on its customer side. */
export const SEED_CUSTOMER_NUMBERS = 20_000;

/** The k-th customer number (0 ≤ k < SEED_CUSTOMER_NUMBERS), e.g. +14150000042. */
export function seedCustomerNumber(k: number): string {
  return `+1415${String(k).padStart(7, '0')}`;
}

/** The id of the i-th seeded call (1 ≤ i ≤ sizes.calls). */
export function seedCallId(i: number): string {
  return `cll_${i}`;
}

/** The id of the i-th seeded contact (1 ≤ i ≤ sizes.contacts). */
export function seedContactId(i: number): string {
  return `cnt_${i}`;
}

// A customer number, a company line (50 of them) and a time spread over 2025 (one second steps).
const customer = (i: string) => sql.raw(`'+1415' || lpad(((${i} * 7919) % 20000)::text, 7, '0')`);
const line = (i: string) => sql.raw(`'+1800555' || lpad((${i} % 50)::text, 4, '0')`);
const spread = (i: string) =>
  sql.raw(`timestamptz '2025-01-01T00:00:00Z' + ((${i} * 104729) % 31536000) * interval '1 second'`);

/**
 * Calls: half inbound, 70 % completed, four results, a third linked to a contact, 1 % without
 * started_at; a tenth tagged (one of four tags, some removed). Messages and contacts likewise.
 */
export async function seedReadModels(
  db: Kysely<ReadModelDatabase>,
  sizes: SeedSizes = SEED_SIZES,
): Promise<void> {
  const calls = await schemaOf(db, 'calls');
  const messages = await schemaOf(db, 'messages');
  const contacts = await schemaOf(db, 'contacts');
  await sql`insert into ${sql.id(calls, 'calls')} (call_id, direction, from_number, to_number, from_name,
      to_name, user_email, contact_id, status, result, started_at, duration_seconds, summary,
      first_event_at, last_event_at)
    select 'cll_' || i,
      case when i % 2 = 0 then 'INBOUND' else 'OUTBOUND' end,
      case when i % 2 = 0 then ${customer('i')} else ${line('i')} end,
      case when i % 2 = 0 then ${line('i')} else ${customer('i')} end,
      'Caller ' || i % 1000, 'Brightlane', 'agent' || i % 40 || '@brightlane.io',
      case when i % 3 = 0 then 'cnt_' || (i % ${sizes.contacts}) + 1 end,
      (array['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed',
        'answered', 'ringing', 'initiated'])[i % 10 + 1],
      (array['ANSWERED', 'VOICEMAIL', 'MISSED', 'FAILED'])[i % 4 + 1],
      case when i % 100 <> 0 then ${spread('i')} end,
      i % 600, 'Summary of call ' || i,
      ${spread('i')}, ${spread('i')} + interval '5 minutes'
    from generate_series(1, ${sizes.calls}) as i`.execute(db);
  await sql`insert into ${sql.id(calls, 'call_tags')} (call_id, tag, present, changed_at)
    select 'cll_' || i, (array['pricing', 'vip', 'follow-up', 'urgent'])[(i / 10) % 4 + 1], i % 70 <> 0,
      ${spread('i')}
    from generate_series(10, ${sizes.calls}, 10) as i`.execute(db);
  await sql`insert into ${sql.id(messages, 'messages')} (message_id, direction, type, content, from_number,
      to_number, user_email, sent_at, last_event_at, last_webhook_id)
    select 'msg_' || i,
      case when i % 2 = 0 then 'INBOUND' else 'OUTBOUND' end, 'SMS', 'Message ' || i,
      case when i % 2 = 0 then ${customer('i')} else ${line('i')} end,
      case when i % 2 = 0 then ${line('i')} else ${customer('i')} end,
      'agent' || i % 40 || '@brightlane.io',
      case when i % 100 <> 0 then ${spread('i')} end, ${spread('i')}, 'wh_msg_' || i
    from generate_series(1, ${sizes.messages}) as i`.execute(db);
  await sql`insert into ${sql.id(contacts, 'contacts')} (contact_id, first_name, last_name, email, emails,
      numbers, company_name, updated_at)
    select 'cnt_' || i,
      (array['Jordan', 'Avery', 'Morgan', 'Riley', 'Casey', 'Taylor', 'Quinn', 'Harper', 'Rowan',
        'Emerson'])[i % 10 + 1] || (i % 997),
      'Whitfield' || (i % 5003), 'person' || i || '@example.com', array['person' || i || '@example.com'],
      array[${customer('i')}], 'Company ' || i % 500, ${spread('i')}
    from generate_series(1, ${sizes.contacts}) as i`.execute(db);
  await sql`analyze`.execute(db);
}

async function schemaOf(
  db: Kysely<ReadModelDatabase>,
  projection: 'calls' | 'messages' | 'contacts',
): Promise<string> {
  const live = await readLiveGeneration(db, projection);
  if (!live) throw new Error(`no live generation of ${projection}`);
  return generationSchema(projection, live.version);
}
