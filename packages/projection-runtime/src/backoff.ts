/** Exponential backoff for batch retries: `initialMs` doubling per attempt, capped at `maxMs`. */
export function backoffDelay(attempt: number, initialMs = 100, maxMs = 10_000): number {
  if (attempt <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
}

/** Resolves after `ms`, or immediately once `signal` aborts (shutdown must not wait out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
