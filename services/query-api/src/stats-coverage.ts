import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { liveSchema, withSwapRetry } from './stats-query.js';

type Db = Kysely<ReadModelDatabase>;

/** The period the read models hold events for; both null when they hold none. */
export interface StatsCoverage {
  readonly first_event_at: string | null;
  readonly last_event_at: string | null;
}

interface Extent {
  readonly first: Date | null;
  readonly last: Date | null;
}

/**
 * The earliest and latest instant that GET /v1/stats counts anything at: the same sources and
 * time columns (call and contact event stores by event time, messages by sent_at, calls by
 * started_at), so a stats range from first_event_at to just after last_event_at counts every
 * event. Millisecond precision (Postgres keeps microseconds; the last one is rounded down).
 */
export async function readStatsCoverage(db: Db): Promise<StatsCoverage> {
  const extents = await withSwapRetry(async () => {
    const [callsSchema, contactsSchema] = await Promise.all([
      liveSchema(db, 'calls'),
      liveSchema(db, 'contacts'),
    ]);
    return Promise.all([
      callsSchema ? extentOf(db, sql.id(callsSchema, 'call_events'), 'occurred_at') : NONE,
      contactsSchema
        ? extentOf(db, sql.id(contactsSchema, 'contact_events'), 'occurred_at', sql`topic like 'contact.%'`)
        : NONE,
      extentOf(db, sql.id('read_model', 'calls'), 'started_at', sql`result is not null`),
      extentOf(
        db,
        sql.id('read_model', 'messages'),
        'sent_at',
        sql`upper(direction) in ('INBOUND', 'OUTBOUND')`,
      ),
    ]);
  });
  const firsts = extents.flatMap((e) => (e.first ? [e.first.getTime()] : []));
  const lasts = extents.flatMap((e) => (e.last ? [e.last.getTime()] : []));
  return {
    first_event_at: firsts.length > 0 ? new Date(Math.min(...firsts)).toISOString() : null,
    last_event_at: lasts.length > 0 ? new Date(Math.max(...lasts)).toISOString() : null,
  };
}

const NONE: Extent = { first: null, last: null };

// min and max alone over an indexed column: Postgres answers each from one end of the index.
async function extentOf(
  db: Db,
  table: RawBuilder<unknown>,
  timeColumn: string,
  where: RawBuilder<unknown> = sql`true`,
): Promise<Extent> {
  const time = sql.ref(timeColumn);
  const { rows } = await sql<Extent>`
    select min(${time}) as first, max(${time}) as last from ${table} where ${where}`.execute(db);
  return rows[0] ?? NONE;
}
