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

/** Zero-padded so that ids sort (and their primary key fills) in insertion order. */
const seedId = (prefix: string, i: number) => `${prefix}_${String(i).padStart(7, '0')}`;

/** The id of the i-th seeded call (1 ≤ i ≤ sizes.calls). */
export function seedCallId(i: number): string {
  return seedId('cll', i);
}

/** The id of the i-th seeded contact (1 ≤ i ≤ sizes.contacts). */
export function seedContactId(i: number): string {
  return seedId('cnt', i);
}

// A customer number, a company line (50 of them), and a time that grows with i over 2025 give or
// take a day, as rows arrive roughly in time order (which also keeps index inserts local, the
// difference between ~25 s and ~80 s for 1M calls).
const customer = sql.raw(`'+1415' || lpad(((i::bigint * 7919) % 20000)::text, 7, '0')`);
const line = sql.raw(`'+1800555' || lpad((i % 50)::text, 4, '0')`);
const spread = (rows: number) =>
  sql.raw(
    `timestamptz '2025-01-01T00:00:00Z' + (i::bigint * 31536000 / ${rows} + (i::bigint * 104729) % 172800 - 86400) * interval '1 second'`,
  );

/**
 * Calls: half inbound, 70 % completed, four results, a third linked to a contact, 1 % without
 * started_at; a tenth tagged (one of four tags, a few removed). Messages and contacts likewise.
 * The three projections fill at once, on separate connections.
 */
export async function seedReadModels(
  db: Kysely<ReadModelDatabase>,
  sizes: SeedSizes = SEED_SIZES,
): Promise<void> {
  const [calls, messages, contacts] = await Promise.all([
    schemaOf(db, 'calls'),
    schemaOf(db, 'messages'),
    schemaOf(db, 'contacts'),
  ]);
  const callAt = spread(sizes.calls);
  const seedCalls = async () => {
    await sql`insert into ${sql.id(calls, 'calls')} (call_id, direction, from_number, to_number, from_name,
        to_name, user_email, contact_id, status, result, started_at, duration_seconds, summary,
        first_event_at, last_event_at)
      select 'cll_' || lpad(i::text, 7, '0'),
        case when i % 2 = 0 then 'INBOUND' else 'OUTBOUND' end,
        case when i % 2 = 0 then ${customer} else ${line} end,
        case when i % 2 = 0 then ${line} else ${customer} end,
        'Caller ' || i % 1000, 'Brightlane', 'agent' || i % 40 || '@brightlane.io',
        case when i % 3 = 0 then 'cnt_' || lpad(((i * 7) % ${sql.lit(sizes.contacts)} + 1)::text, 7, '0') end,
        (array['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed',
          'answered', 'ringing', 'initiated'])[i % 10 + 1],
        (array['ANSWERED', 'VOICEMAIL', 'MISSED', 'FAILED'])[i % 4 + 1],
        case when i % 100 <> 0 then ${callAt} end,
        i % 600, 'Summary of call ' || i,
        ${callAt}, ${callAt} + interval '5 minutes'
      from generate_series(1, ${sql.lit(sizes.calls)}) as i`.execute(db);
    await sql`insert into ${sql.id(calls, 'call_tags')} (call_id, tag, present, changed_at)
      select 'cll_' || lpad(i::text, 7, '0'), (array['pricing', 'vip', 'follow-up', 'urgent'])[(i / 10) % 4 + 1],
        i % 70 <> 0, ${callAt}
      from generate_series(10, ${sql.lit(sizes.calls)}, 10) as i`.execute(db);
  };
  const messageAt = spread(sizes.messages);
  const seedMessages = sql`insert into ${sql.id(messages, 'messages')} (message_id, direction, type, content,
      from_number, to_number, user_email, sent_at, last_event_at, last_webhook_id)
    select 'msg_' || lpad(i::text, 7, '0'),
      case when i % 2 = 0 then 'INBOUND' else 'OUTBOUND' end, 'SMS', 'Message ' || i,
      case when i % 2 = 0 then ${customer} else ${line} end,
      case when i % 2 = 0 then ${line} else ${customer} end,
      'agent' || i % 40 || '@brightlane.io',
      case when i % 100 <> 0 then ${messageAt} end, ${messageAt}, 'wh_msg_' || i
    from generate_series(1, ${sql.lit(sizes.messages)}) as i`;
  const seedContacts = sql`insert into ${sql.id(contacts, 'contacts')} (contact_id, first_name, last_name,
      email, emails, numbers, company_name, updated_at)
    select 'cnt_' || lpad(i::text, 7, '0'),
      (array['Jordan', 'Avery', 'Morgan', 'Riley', 'Casey', 'Taylor', 'Quinn', 'Harper', 'Rowan',
        'Emerson'])[i % 10 + 1] || (i % 997),
      'Whitfield' || (i % 5003), 'person' || i || '@example.com', array['person' || i || '@example.com'],
      array[${customer}], 'Company ' || i % 500, ${spread(sizes.contacts)}
    from generate_series(1, ${sql.lit(sizes.contacts)}) as i`;
  await Promise.all([seedCalls(), seedMessages.execute(db), seedContacts.execute(db)]);
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
