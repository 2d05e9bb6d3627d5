import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AlloApiError, parseErrorObject, type AlloErrorObject } from './allo-api-error.js';
import { decideRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from './allo-retry-policy.js';

/** Allo's `Webhook` object (fact sheet §5). `signing_secret` only comes with create and get-by-id. */
export interface AlloWebhook {
  readonly id: string;
  readonly url: string;
  readonly topics: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  readonly signing_secret: string | null;
  readonly created_at: string | null;
}

export interface AlloEventType {
  readonly name: string;
  readonly description: string;
}

export interface AlloApiClientOptions {
  /** e.g. https://api.withallo.com */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly policy?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Per-attempt deadline. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Allo's webhook management API (`Authorization: Api-Key <key>`). Each call resolves with the
 * parsed data or throws AlloApiError after the retries decideRetry allows (429 and `retryable`
 * errors wait `retry_after_seconds`, else back off). Neither errors nor logs hold the key.
 */
export class AlloApiClient {
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: AlloApiClientOptions) {
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  async listEventTypes(): Promise<AlloEventType[]> {
    return list(await this.request('GET', '/v2/api/webhooks/event_types'), 'event types') as AlloEventType[];
  }

  async listWebhooks(): Promise<AlloWebhook[]> {
    return list(await this.request('GET', '/v2/api/webhooks'), 'webhooks').map(webhook);
  }

  async getWebhook(id: string): Promise<AlloWebhook> {
    return webhook(data(await this.request('GET', `/v2/api/webhooks/${encodeURIComponent(id)}`)));
  }

  async createWebhook(input: {
    url: string;
    topics: readonly string[];
    description?: string;
  }): Promise<AlloWebhook> {
    return webhook(data(await this.request('POST', '/v2/api/webhooks', input)));
  }

  /** PUT: the fields given replace Allo's (`topics` as a whole set); others are untouched. */
  async updateWebhook(
    id: string,
    patch: { topics?: readonly string[]; enabled?: boolean; description?: string },
  ): Promise<AlloWebhook> {
    return webhook(data(await this.request('PUT', `/v2/api/webhooks/${encodeURIComponent(id)}`, patch)));
  }

  /** Resolves false when the webhook was already gone (404). */
  async deleteWebhook(id: string): Promise<boolean> {
    try {
      await this.request('DELETE', `/v2/api/webhooks/${encodeURIComponent(id)}`);
      return true;
    } catch (error) {
      if (error instanceof AlloApiError && error.status === 404) return false;
      throw error;
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.options.baseUrl);
    for (let attempt = 1; ; attempt += 1) {
      let status: number | undefined;
      let error: AlloErrorObject | undefined;
      let retryAfterHeader: string | null = null;
      let note: string | undefined;
      try {
        const response = await fetch(url, {
          method,
          headers: {
            authorization: `Api-Key ${this.options.apiKey}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
        });
        status = response.status;
        const text = await response.text();
        const parsed = parseBody(text);
        if (response.ok) return parsed;
        error = parseErrorObject(parsed);
        if (!error) note = 'the response carried no Allo error object';
        retryAfterHeader = response.headers.get('retry-after');
      } catch (cause) {
        note = `no response: ${(cause as Error).message}`;
      }
      error = redact(error, this.options.apiKey);
      const decision = decideRetry(
        {
          attempt,
          method,
          status,
          retryable: error?.retryable,
          retryAfterSeconds: error?.retry_after_seconds,
          retryAfterHeader,
        },
        this.policy,
        this.options.random ?? Math.random,
      );
      if (!decision.retry) {
        if (decision.reason === 'wait-too-long')
          note = `Allo asks to wait ${Math.ceil((decision.waitMs ?? 0) / 1000)} s; try again then`;
        throw new AlloApiError(method, path, status, error, { attempts: attempt, note });
      }
      this.options.logger?.info(
        { method, path, status, code: error?.code, requestId: error?.request_id, delayMs: decision.delayMs },
        'Allo API request failed, retrying',
      );
      await this.sleep(decision.delayMs);
    }
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A server might echo the credential; it must not travel on into messages. */
function redact(error: AlloErrorObject | undefined, key: string): AlloErrorObject | undefined {
  if (!error?.message || key === '' || !error.message.includes(key)) return error;
  return { ...error, message: error.message.split(key).join('[redacted]') };
}

class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
}

function data(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && 'data' in body) return body.data;
  throw new UnexpectedResponseError('Allo API: expected a JSON body with "data"');
}

function list(body: unknown, what: string): unknown[] {
  const value = data(body);
  if (!Array.isArray(value)) throw new UnexpectedResponseError(`Allo API: expected a list of ${what}`);
  return value as unknown[];
}

function webhook(value: unknown): AlloWebhook {
  const w = value as Partial<Record<keyof AlloWebhook, unknown>> | null;
  if (!w || typeof w.id !== 'string' || typeof w.url !== 'string' || !Array.isArray(w.topics))
    throw new UnexpectedResponseError('Allo API: a webhook without id, url or topics');
  return {
    id: w.id,
    url: w.url,
    topics: w.topics.filter((t): t is string => typeof t === 'string'),
    description: typeof w.description === 'string' ? w.description : null,
    enabled: w.enabled !== false,
    signing_secret: typeof w.signing_secret === 'string' ? w.signing_secret : null,
    created_at: typeof w.created_at === 'string' ? w.created_at : null,
  };
}
