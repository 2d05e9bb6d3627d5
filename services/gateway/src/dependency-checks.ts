// Readiness that tells the truth: the gateway is ready only while a real request to Kafka and
// one to the schema registry each answer within a short timeout. Results are kept for a short
// window, so that probes hammering /readyz do not hammer the dependencies; a failed check is
// repeated on the next probe after the window, so readiness recovers by itself.

export type DependencyCheck = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface DependencyReport {
  readonly kafka: DependencyCheck;
  readonly registry: DependencyCheck;
}

/** Runs `probe` bounded by `timeoutMs`: a rejection or a timeout is a failed check naming why. */
export async function checkWithin(
  what: string,
  timeoutMs: number,
  probe: () => Promise<unknown>,
): Promise<DependencyCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DependencyCheck>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: `${what} did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const answer = probe().then(
    (): DependencyCheck => ({ ok: true }),
    (error: unknown): DependencyCheck => ({
      ok: false,
      error: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `check`, reused for `windowMs` after it settles; concurrent callers share one run. A check
 * under way is never started twice.
 */
export function cachedFor<T>(windowMs: number, now: () => number, check: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  let settledAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (!last || (settledAt >= last.at && now() - settledAt > windowMs)) {
      const entry = { at: now(), value: check() };
      last = entry;
      void entry.value.finally(() => {
        if (last === entry) settledAt = now();
      });
    }
    return last.value;
  };
}
