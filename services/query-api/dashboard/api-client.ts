// The dashboard's view of the query API: typed GETs under /v1 with the bearer token, and the
// snapshot that one refresh loads. No DOM here.

import {
  resolveWindow,
  type StatsBucket,
  type StatsCoverage,
  type StatsRange,
  type WindowChoice,
} from './stats-window.js';

export interface StatsCounts {
  readonly topics: Record<string, number>;
  readonly call_results: Record<string, number>;
  readonly sms: { readonly inbound: number; readonly outbound: number };
}

export interface Stats {
  readonly since: string;
  readonly until: string;
  readonly bucket: StatsBucket;
  readonly buckets: ReadonlyArray<{ readonly start: string } & StatsCounts>;
  readonly totals: StatsCounts;
}

export interface ProjectionItem {
  readonly projection: string;
  readonly live_version?: number | null;
  readonly version?: number | null;
  readonly lag_messages: number | null;
  readonly lag_seconds: number | null;
  readonly last_event_at: string | null;
}

export interface CallItem {
  readonly id: string;
  readonly direction: string | null;
  readonly from_number: string | null;
  readonly to_number: string | null;
  readonly from_name: string | null;
  readonly to_name: string | null;
  readonly status: string | null;
  readonly result: string | null;
  readonly started_at: string | null;
  readonly duration_seconds: number | null;
  readonly first_event_at: string | null;
  readonly tags: readonly string[];
}

export interface MessageItem {
  readonly id: string;
  readonly direction: string | null;
  readonly content: string | null;
  readonly from_number: string | null;
  readonly to_number: string | null;
  readonly from_name: string | null;
  readonly to_name: string | null;
  readonly sent_at: string | null;
  readonly last_event_at: string | null;
}

/** The API rejected the token (401): the dashboard forgets it and asks again. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** The API could not be reached, or answered with something other than the expected JSON. */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

/** Everything one refresh shows. */
export interface Snapshot {
  /** Totals over the selected window. */
  readonly window: Stats;
  readonly range: StatsRange;
  /** Minute buckets over the hour before range.until. */
  readonly lastHour: Stats;
  readonly coverage: StatsCoverage;
  readonly projections: readonly ProjectionItem[];
  readonly calls: readonly CallItem[];
  readonly messages: readonly MessageItem[];
  readonly loadedAt: Date;
}

const HOUR_MS = 3_600_000;
export const LATEST_LIMIT = 10;

/**
 * Loads the resources of one refresh in parallel (the recorded period first needs the coverage).
 * Rejects with UnauthorizedError when any answer is a 401, otherwise with ApiUnavailableError
 * naming the first failed request.
 */
export async function loadSnapshot(token: string, choice: WindowChoice, now: Date): Promise<Snapshot> {
  const coverage = getJson<StatsCoverage>('/v1/stats/coverage', token);
  // Only the recorded period depends on the coverage; a recent window does not wait for it.
  const range = resolveWindow(choice, choice.kind === 'recorded' ? await coverage : NO_COVERAGE, now);
  const hourBefore = new Date(range.until.getTime() - HOUR_MS);
  const requests = [
    getJson<Stats>(statsPath(range.since, range.until, range.bucket), token),
    getJson<Stats>(statsPath(hourBefore, range.until, 'minute'), token),
    coverage,
    getJson<{ data: ProjectionItem[] }>('/v1/projections', token),
    getJson<{ data: CallItem[] }>(`/v1/calls?limit=${LATEST_LIMIT}`, token),
    getJson<{ data: MessageItem[] }>(`/v1/messages?limit=${LATEST_LIMIT}`, token),
  ] as const;
  const failures = (await Promise.allSettled(requests)).flatMap((result) =>
    result.status === 'rejected' ? [result.reason as unknown] : [],
  );
  const unauthorized = failures.find((reason) => reason instanceof UnauthorizedError);
  if (unauthorized !== undefined) throw unauthorized;
  if (failures.length > 0) throw failures[0];
  // All fulfilled by now: this only unpacks them, typed.
  const [windowStats, lastHour, covered, projections, calls, messages] = await Promise.all(requests);
  return {
    window: windowStats,
    range,
    lastHour,
    coverage: covered,
    projections: projections.data,
    calls: calls.data,
    messages: messages.data,
    loadedAt: now,
  };
}

const NO_COVERAGE: StatsCoverage = { first_event_at: null, last_event_at: null };

function statsPath(since: Date, until: Date, bucket: StatsBucket): string {
  const query = new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), bucket });
  return `/v1/stats?${query.toString()}`;
}

/** GETs a JSON resource; 401 → UnauthorizedError, anything else that is not a 2xx JSON answer → ApiUnavailableError. */
async function getJson<T>(path: string, token: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiUnavailableError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status === 401) throw new UnauthorizedError(await errorMessage(response));
  if (!response.ok) {
    throw new ApiUnavailableError(`${path}: HTTP ${response.status} ${await errorMessage(response)}`.trim());
  }
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiUnavailableError(`${path}: the answer is not JSON`);
  }
}

/** The `error.message` of an API error body, or '' when there is none. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : '';
  } catch {
    return '';
  }
}
