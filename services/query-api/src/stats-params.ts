import type { ParsedUrlQuery } from 'node:querystring';
import { invalidParameter } from './api-error.js';
import { parseChoice, parseRange, readQuery } from './query-params.js';

export const STATS_BUCKETS = ['minute', 'hour', 'day'] as const;
export type StatsBucketSize = (typeof STATS_BUCKETS)[number];

export const BUCKET_MS: Record<StatsBucketSize, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** At most this many buckets per answer: 48 h by minute, 120 days by hour, 2,880 days by day. */
export const MAX_BUCKETS = 2880;

const DEFAULT_RANGE_MS: Record<StatsBucketSize, number> = {
  minute: 3_600_000,
  hour: 86_400_000,
  day: 30 * 86_400_000,
};

export interface StatsQuery {
  readonly since: Date;
  readonly until: Date;
  readonly bucket: StatsBucketSize;
}

/**
 * GET /v1/stats parameters. `until` defaults to now, `since` to one hour (minute buckets), one
 * day (hour) or 30 days (day) before until; a range of more than MAX_BUCKETS buckets is a 400.
 */
export function parseStatsQuery(query: ParsedUrlQuery, nowMs: number): StatsQuery {
  const q = readQuery(query, ['since', 'until', 'bucket'] as const);
  const bucket = q.bucket === undefined ? 'hour' : parseChoice('bucket', q.bucket, STATS_BUCKETS);
  const range = parseRange(q);
  const until = range.until ?? new Date(nowMs);
  const since = range.since ?? new Date(until.getTime() - DEFAULT_RANGE_MS[bucket]);
  if (since.getTime() >= until.getTime())
    throw invalidParameter('since', 'must be before until (default: now)');
  if (bucketCount({ since, until, bucket }) > MAX_BUCKETS) {
    throw invalidParameter(
      'since',
      `range too long for bucket=${bucket}: at most ${MAX_BUCKETS} buckets (48 h by minute, 120 days by hour)`,
    );
  }
  return { since, until, bucket };
}

/** How many UTC-aligned buckets overlap [since, until). */
export function bucketCount({ since, until, bucket }: StatsQuery): number {
  const size = BUCKET_MS[bucket];
  return Math.ceil((until.getTime() - firstBucket(since, size)) / size);
}

/**
 * The start (epoch ms) of every bucket overlapping [since, until), aligned on UTC minutes,
 * hours or days like Postgres `date_trunc(bucket, t, 'UTC')`.
 */
export function bucketStarts(query: StatsQuery): number[] {
  const size = BUCKET_MS[query.bucket];
  const first = firstBucket(query.since, size);
  return Array.from({ length: bucketCount(query) }, (_, i) => first + i * size);
}

// UTC has no DST and Unix time no leap seconds, so every bucket boundary is a multiple of its size.
function firstBucket(since: Date, size: number): number {
  return Math.floor(since.getTime() / size) * size;
}
