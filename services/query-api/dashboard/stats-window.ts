// The dashboard's windows and the /v1/stats range each one asks for. Pure: no DOM, no fetch (the
// unit tests import it under Node).

export type StatsBucket = 'minute' | 'hour' | 'day';

/** GET /v1/stats/coverage: the period the read models hold events for (null ends: none). */
export interface StatsCoverage {
  readonly first_event_at: string | null;
  readonly last_event_at: string | null;
}

/** A window of the dashboard: the last `spanMs` before now, or the whole recorded period. */
export type WindowChoice =
  | { readonly kind: 'recent'; readonly spanMs: number; readonly bucket: StatsBucket }
  | { readonly kind: 'recorded' };

/** What one refresh asks /v1/stats for; `until` is exclusive. */
export interface StatsRange {
  readonly since: Date;
  readonly until: Date;
  readonly bucket: StatsBucket;
}

const DAY_MS = 86_400_000;
/** /v1/stats answers at most this many buckets (2880 days by day). */
const MAX_DAY_BUCKETS = 2880;

/**
 * The stats range of a window at `now`. The recorded period runs from the first event to just
 * after the last (until is exclusive; coverage is to the millisecond), by day so that any length
 * fits the API's bucket limit (a longer history keeps its latest 2879 days). While nothing is
 * recorded it is the last 24 hours, whose zeros the empty-window notice then explains.
 */
export function resolveWindow(choice: WindowChoice, coverage: StatsCoverage, now: Date): StatsRange {
  const { first_event_at: first, last_event_at: last } = coverage;
  const recent = (spanMs: number, bucket: StatsBucket) => ({
    since: new Date(now.getTime() - spanMs),
    until: now,
    bucket,
  });
  if (choice.kind === 'recent') return recent(choice.spanMs, choice.bucket);
  if (first === null || last === null) return recent(DAY_MS, 'hour');
  const until = Date.parse(last) + 1;
  const since = Math.max(Date.parse(first), until - (MAX_DAY_BUCKETS - 1) * DAY_MS);
  return { since: new Date(since), until: new Date(until), bucket: 'day' };
}
