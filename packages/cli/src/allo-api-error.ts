/** The error object of Allo's API (fact sheet §5); every field may be missing from a real reply. */
export interface AlloErrorObject {
  readonly type?: string;
  readonly code?: string;
  readonly message?: string;
  readonly retryable?: boolean;
  readonly request_id?: string;
  readonly retry_after_seconds?: number | null;
}

export const REQUIRED_SCOPE = 'WEBHOOKS_READ_WRITE';

/**
 * A request to Allo's API failed for good (after any retries). The message names the request,
 * the status, Allo's code and request id, and for a 401 the scope the key needs; it never holds
 * the API key.
 */
export class AlloApiError extends Error {
  override readonly name = 'AlloApiError';
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly error: AlloErrorObject | undefined,
    detail: { attempts: number; note?: string },
  ) {
    const code = error?.code ?? (status === undefined ? 'NO_RESPONSE' : `HTTP_${status}`);
    super(describe(method, path, status, code, error, detail));
    this.code = code;
    this.requestId = error?.request_id;
  }
}

function describe(
  method: string,
  path: string,
  status: number | undefined,
  code: string,
  error: AlloErrorObject | undefined,
  detail: { attempts: number; note?: string },
): string {
  const parts = [`Allo API ${method} ${path} failed: ${status ?? 'no response'} ${code}`];
  if (error?.message) parts.push(`: ${error.message}`);
  if (error?.request_id) parts.push(` (request id ${error.request_id})`);
  if (status === 401 || status === 403)
    parts.push(
      `. Check ALLO_API_KEY (or ALLO_API_KEY_FILE): the key must be valid and have the scope ${REQUIRED_SCOPE}`,
    );
  if (detail.attempts > 1) parts.push(`; gave up after ${detail.attempts} attempts`);
  if (detail.note) parts.push(`; ${detail.note}`);
  return parts.join('');
}

/** Reads Allo's error object from a response body, if it has one. */
export function parseErrorObject(body: unknown): AlloErrorObject | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? value.slice(0, 500) : undefined;
  return {
    type: text(e.type),
    code: text(e.code),
    message: text(e.message),
    retryable: typeof e.retryable === 'boolean' ? e.retryable : undefined,
    request_id: text(e.request_id),
    retry_after_seconds: typeof e.retry_after_seconds === 'number' ? e.retry_after_seconds : null,
  };
}
