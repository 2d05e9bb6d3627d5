/** How often and how long the Allo API client retries. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Backoff before the 2nd attempt when the server names no delay; doubles each time. */
  readonly baseDelayMs: number;
  /** Longest wait accepted; a server asking for more makes the client give up at once. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** What one failed attempt looked like. */
export interface FailedAttempt {
  /** 1-based number of the attempt that failed. */
  readonly attempt: number;
  readonly method: string;
  /** Undefined when no response came (connection refused, reset, timeout). */
  readonly status?: number;
  /** From Allo's error object, when the body had one. */
  readonly retryable?: boolean;
  readonly retryAfterSeconds?: number | null;
  /** The Retry-After header, if any (seconds). */
  readonly retryAfterHeader?: string | null;
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not-retryable' | 'attempts-exhausted' | 'wait-too-long'; waitMs?: number };

// A POST that got no answer may have created the webhook: repeating it could make a second one.
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/**
 * Decides whether to retry after a failed attempt: 429 and errors Allo marks `retryable` are
 * retried, as are 5xx without an error object and lost connections for idempotent methods.
 * The delay is Allo's `retry_after_seconds`, else Retry-After, else exponential backoff with
 * jitter (`random` in [0, 1)); never more than `maxAttempts` attempts nor `maxDelayMs` of waiting.
 */
export function decideRetry(
  failure: FailedAttempt,
  policy: RetryPolicy,
  random: () => number,
): RetryDecision {
  if (!isRetryable(failure)) return { retry: false, reason: 'not-retryable' };
  if (failure.attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  const asked = askedDelayMs(failure);
  if (asked !== undefined) {
    if (asked > policy.maxDelayMs) return { retry: false, reason: 'wait-too-long', waitMs: asked };
    return { retry: true, delayMs: asked };
  }
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failure.attempt - 1));
  // Half fixed, half random: spreads retries of parallel clients without ever retrying at once.
  return { retry: true, delayMs: Math.round(backoff / 2 + (random() * backoff) / 2) };
}

function isRetryable(failure: FailedAttempt): boolean {
  if (failure.status === 429 || failure.retryable === true) return true;
  if (failure.retryable === false) return false;
  const idempotent = IDEMPOTENT.has(failure.method.toUpperCase());
  if (failure.status === undefined) return idempotent;
  return failure.status >= 500 && idempotent;
}

function askedDelayMs(failure: FailedAttempt): number | undefined {
  const seconds = failure.retryAfterSeconds;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0)
    return Math.ceil(seconds * 1000);
  const header = failure.retryAfterHeader?.trim();
  if (header && /^\d+$/.test(header)) return Number(header) * 1000;
  return undefined;
}
