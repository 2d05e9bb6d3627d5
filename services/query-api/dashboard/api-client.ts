// The dashboard's view of the query API: typed GETs under /v1 with the bearer token, and the
// snapshot that one refresh loads. No DOM here.

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

export type StatsBucket = 'minute' | 'hour' | 'day';

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
  /** Minute buckets over the last hour. */
  readonly lastHour: Stats;
  readonly projections: readonly ProjectionItem[];
  readonly calls: readonly CallItem[];
  readonly messages: readonly MessageItem[];
  readonly loadedAt: Date;
}

export interface WindowChoice {
  readonly spanMs: number;
  readonly bucket: StatsBucket;
}

const HOUR_MS = 3_600_000;
export const LATEST_LIMIT = 10;

/**
 * Loads the five resources of one refresh in parallel. Rejects with UnauthorizedError when any
 * answer is a 401, otherwise with ApiUnavailableError naming the first failed request.
 */
export async function loadSnapshot(token: string, window: WindowChoice, now: Date): Promise<Snapshot> {
  const until = now.toISOString();
  const since = (spanMs: number) => new Date(now.getTime() - spanMs).toISOString();
  const requests = [
    getJson<Stats>(statsPath(since(window.spanMs), until, window.bucket), token),
    getJson<Stats>(statsPath(since(HOUR_MS), until, 'minute'), token),
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
  const [windowStats, lastHour, projections, calls, messages] = await Promise.all(requests);
  return {
    window: windowStats,
    lastHour,
    projections: projections.data,
    calls: calls.data,
    messages: messages.data,
    loadedAt: now,
  };
}

function statsPath(since: string, until: string, bucket: StatsBucket): string {
  const query = new URLSearchParams({ since, until, bucket });
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
