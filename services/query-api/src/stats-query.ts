import { sql, type Kysely, type RawBuilder } from 'kysely';
import { ALLO_TOPICS } from '@allo-pipeline/allo-events';
import {
  generationSchema,
  readLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { bucketStarts, type StatsQuery } from './stats-params.js';

type Db = Kysely<ReadModelDatabase>;

export interface StatsCounts {
  readonly topics: Record<string, number>;
  readonly call_results: Record<string, number>;
  readonly sms: { inbound: number; outbound: number };
}

export interface Stats {
  readonly since: string;
  readonly until: string;
  readonly bucket: StatsQuery['bucket'];
  readonly buckets: Array<{ start: string } & StatsCounts>;
  readonly totals: StatsCounts;
}

/** One aggregated count: bucket start, what was counted (topic, result, direction), how many. */
export interface CountRow {
  readonly start: Date;
  readonly key: string;
  readonly count: number;
}

export interface RawCounts {
  readonly topics: readonly CountRow[];
  readonly results: readonly CountRow[];
  /** key: inbound | outbound */
  readonly sms: readonly CountRow[];
}

/**
 * Event counts per bucket. Topics: call.*, tag.* and summary.updated from the calls generation's
 * event store and contact.* from the contacts one (one per delivery, by event time); sms.received
 * and sms.sent are the inbound and outbound messages by sent_at. Call results are the calls
 * started in the bucket, by result.
 */
export async function readStats(db: Db, query: StatsQuery): Promise<Stats> {
  return assembleStats(query, await withSwapRetry(() => readCounts(db, query)));
}

async function readCounts(db: Db, query: StatsQuery): Promise<RawCounts> {
  const [callsSchema, contactsSchema] = await Promise.all([
    liveSchema(db, 'calls'),
    liveSchema(db, 'contacts'),
  ]);
  const [callTopics, contactTopics, results, sms] = await Promise.all([
    callsSchema ? countBy(db, query, sql.id(callsSchema, 'call_events'), 'occurred_at', sql`topic`) : [],
    contactsSchema
      ? countBy(
          db,
          query,
          sql.id(contactsSchema, 'contact_events'),
          'occurred_at',
          sql`topic`,
          sql`topic like 'contact.%'`,
        )
      : [],
    countBy(db, query, sql.id('read_model', 'calls'), 'started_at', sql`result`, sql`result is not null`),
    countBy(db, query, sql.id('read_model', 'messages'), 'sent_at', SMS_SIDE, sql`${SMS_SIDE} is not null`),
  ]);
  return { topics: [...callTopics, ...contactTopics], results, sms };
}

const SMS_SIDE = sql`case upper(direction) when 'INBOUND' then 'inbound' when 'OUTBOUND' then 'outbound' end`;

async function countBy(
  db: Db,
  query: StatsQuery,
  table: RawBuilder<unknown>,
  timeColumn: string,
  key: RawBuilder<unknown>,
  where: RawBuilder<unknown> = sql`true`,
): Promise<CountRow[]> {
  const time = sql.ref(timeColumn);
  const { rows } = await sql<CountRow>`
    select date_trunc(${query.bucket}, ${time}, 'UTC') as start, ${key} as key, count(*)::int as count
    from ${table}
    where ${time} >= ${query.since} and ${time} < ${query.until} and ${where}
    group by 1, 2`.execute(db);
  return rows;
}

/** The schema of the projection's live generation, or undefined before it has one. */
export async function liveSchema(db: Db, projection: ProjectionName): Promise<string | undefined> {
  const live = await readLiveGeneration(db, projection);
  return live && generationSchema(projection, live.version);
}

/**
 * Runs `read`, and once more when it fails with 42P01 (undefined_table): the event stores are read
 * in the live generation's schema, which a swap between reading the live version and the query
 * drops. Once more then sees the new one; any other error is rethrown.
 */
export async function withSwapRetry<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if ((error as { code?: unknown }).code !== '42P01') throw error;
    return read();
  }
}

/** Lays the counts out in dense buckets (empty ones included) and sums the totals. Pure. */
export function assembleStats(query: StatsQuery, counts: RawCounts): Stats {
  const starts = bucketStarts(query);
  const buckets = new Map(starts.map((start) => [start, emptyCounts()]));
  const totals = emptyCounts();
  const add = (rows: readonly CountRow[], into: (c: StatsCounts, key: string, n: number) => void) => {
    for (const row of rows) {
      const bucket = buckets.get(row.start.getTime());
      if (bucket) into(bucket, row.key, row.count);
      into(totals, row.key, row.count);
    }
  };
  add(counts.topics, (c, key, n) => (c.topics[key] = (c.topics[key] ?? 0) + n));
  add(counts.results, (c, key, n) => (c.call_results[key] = (c.call_results[key] ?? 0) + n));
  add(counts.sms, (c, key, n) => {
    const side = key === 'inbound' ? 'inbound' : 'outbound';
    c.sms[side] += n;
    const topic = side === 'inbound' ? 'sms.received' : 'sms.sent';
    c.topics[topic] = (c.topics[topic] ?? 0) + n;
  });
  return {
    since: query.since.toISOString(),
    until: query.until.toISOString(),
    bucket: query.bucket,
    buckets: starts.map((start) => ({
      start: new Date(start).toISOString(),
      ...(buckets.get(start) ?? emptyCounts()),
    })),
    totals,
  };
}

function emptyCounts(): StatsCounts {
  return {
    // Every Allo topic is present (zero when nothing happened); others appear when seen.
    topics: Object.fromEntries(ALLO_TOPICS.map((topic) => [topic, 0])),
    call_results: {},
    sms: { inbound: 0, outbound: 0 },
  };
}
