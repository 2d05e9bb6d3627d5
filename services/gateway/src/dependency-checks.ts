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
    (error: unknown): DependencyCheck => ({ ok: false, error: `${what}: ${describeError(error)}` }),
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

const MAX_ERROR_LENGTH = 300;

/**
 * Why a check failed, for /readyz: the error's message and its cause's (fetch says only "fetch
 * failed"; the cause names the refused connection or the unknown host), cut to 300 characters.
 * Read by shape, not instanceof, so errors from another realm read the same.
 */
export function describeError(error: unknown): string {
  const message = messageOf(error);
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  const because = cause === undefined ? undefined : messageOf(cause);
  const text = because && because !== message ? `${message} (${because})` : message;
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

function messageOf(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string')
    return value.message;
  return String(value);
}

/**
 * The registry request of /readyz: a GET of the raw schema by id, which the registry answers from
 * its storage. Credentials in the URL (https://user:password@…) move into an Authorization
 * header: fetch refuses a URL that carries them, and its error would repeat them.
 */
export function registrySchemaRequest(
  registryUrl: string,
  schemaId: number,
): { url: string; headers: Record<string, string> } {
  const url = new URL(`${registryUrl.replace(/\/+$/, '')}/schemas/ids/${schemaId}`);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.toString(), headers };
}
