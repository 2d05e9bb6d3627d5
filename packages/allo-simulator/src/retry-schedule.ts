/**
 * Allo's retry delays (spec §4.2): the wait before attempt 2, 3, … 8, counted from the failure
 * of the previous attempt. Attempt 1 is immediate, so a message gets ALLO_MAX_ATTEMPTS tries over
 * about 27.5 hours before it is marked failed.
 */
export const ALLO_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5_000, // 5 s
  300_000, // 5 min
  1_800_000, // 30 min
  7_200_000, // 2 h
  18_000_000, // 5 h
  36_000_000, // 10 h
  36_000_000, // 10 h
]);

/** Attempts per message including the first (8). */
export const ALLO_MAX_ATTEMPTS = ALLO_RETRY_SCHEDULE_MS.length + 1;

/** Allo's acknowledgement deadline per attempt (spec §4.1): a 2xx within 20 s. */
export const ALLO_ATTEMPT_TIMEOUT_MS = 20_000;

/**
 * The wait after failed attempt `failedAttempt` (1-based) before the next one, multiplied by
 * `timeScale` (0.001 turns 5 min into 300 ms); undefined when no attempt is left.
 */
export function retryDelayMs(failedAttempt: number, timeScale: number): number | undefined {
  const delay = ALLO_RETRY_SCHEDULE_MS[failedAttempt - 1];
  return delay === undefined ? undefined : delay * timeScale;
}
