import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiError,
  description,
  object,
  parseJson,
  readText,
  tryParse,
  validTopics,
  validUrl,
} from './allo-api-contract-rules.js';
import { ALLO_EVENT_TYPES } from './allo-api-event-types.js';

// A stand-in for Allo's webhook management API (fact sheet §5), for tests only: Allo is not
// reachable from CI. It follows the documented contract (paths, bodies, statuses, the error
// object, the X-RateLimit-* headers) and records every request; where the sheet marks a detail
// [U] (error codes other than INVALID_EVENT_TYPE, the `type` values, the reset header's unit),
// the choice is stated beside it.

/** The `Webhook` object, with the secret the server keeps (it shows it only on create and get). */
export interface ContractWebhook {
  readonly id: string;
  url: string;
  topics: string[];
  description: string | null;
  enabled: boolean;
  readonly signing_secret: string;
  readonly created_at: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  readonly status: number;
}

/** An error the next requests get instead of being served (see failNext). */
export interface InjectedError {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
  readonly retryable?: boolean;
  readonly retry_after_seconds?: number | null;
}

export interface AlloApiContractOptions {
  /** API keys and their scopes; default one key `ak_test_contract` with WEBHOOKS_READ_WRITE. */
  readonly keys?: Readonly<Record<string, readonly string[]>>;
  /** Requests per window before 429 (default 1000 per 60 s). */
  readonly rateLimit?: { readonly limit: number; readonly windowSeconds: number };
  /** The get-by-id page says it returns signing_secret, the create page says only create does; default true. */
  readonly secretOnGet?: boolean;
  readonly now?: () => number;
  /**
   * Called when a webhook is created, before the response is sent: a test's delivery stand-in
   * can start delivering with its secret at once, as Allo may before the client has the secret.
   */
  readonly onWebhookCreated?: (webhook: ContractWebhook) => void;
}

export const CONTRACT_API_KEY = 'ak_test_contract';
const SCOPE = 'WEBHOOKS_READ_WRITE';
// [U] in the sheet; these mirror common API conventions.
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

/** A running contract server; `url` is its base URL (use it as ALLO_API_URL). */
export class AlloApiContractServer {
  readonly requests: RecordedRequest[] = [];
  private readonly store = new Map<string, ContractWebhook>();
  private readonly injected: InjectedError[] = [];
  private window = { startedAt: 0, used: 0 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: Required<AlloApiContractOptions>,
  ) {}

  static async start(options: AlloApiContractOptions = {}): Promise<AlloApiContractServer> {
    const resolved: Required<AlloApiContractOptions> = {
      keys: options.keys ?? { [CONTRACT_API_KEY]: [SCOPE] },
      rateLimit: options.rateLimit ?? { limit: 1000, windowSeconds: 60 },
      secretOnGet: options.secretOnGet ?? true,
      now: options.now ?? Date.now,
      onWebhookCreated: options.onWebhookCreated ?? (() => undefined),
    };
    // The handler needs the instance, which needs the listening server's port.
    const holder: { instance?: AlloApiContractServer } = {};
    const server = createServer((req, res) => void holder.instance?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.instance = new AlloApiContractServer(server, `http://127.0.0.1:${port}`, resolved);
    return holder.instance;
  }

  /** The webhooks as Allo holds them, secrets included (what a delivering test signs with). */
  webhooks(): ContractWebhook[] {
    return [...this.store.values()].map((webhook) => ({ ...webhook, topics: [...webhook.topics] }));
  }

  /** Adds a webhook as if made earlier in Allo's dashboard. */
  seed(webhook: { url: string; topics: string[]; enabled?: boolean; description?: string }): ContractWebhook {
    const created = this.create(webhook.url, webhook.topics, webhook.description ?? null);
    created.enabled = webhook.enabled ?? true;
    return { ...created };
  }

  /** Flips `enabled` as Allo's circuit breaker would (§4.3). */
  setEnabled(id: string, enabled: boolean): void {
    const webhook = this.store.get(id);
    if (webhook) webhook.enabled = enabled;
  }

  /** The next `count` requests get `error` (after authentication), e.g. a 429 or a retryable 503. */
  failNext(count: number, error: InjectedError): void {
    for (let i = 0; i < count; i += 1) this.injected.push(error);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    const text = await readText(req);
    const recorded = tryParse(text);
    let status = 500;
    try {
      this.rateLimit(res);
      this.authenticate(req.headers.authorization);
      const injected = this.injected.shift();
      if (injected) {
        const retryAfter = injected.retry_after_seconds ?? null;
        throw new ApiError(
          injected.status,
          injected.code,
          injected.message ?? `injected ${injected.code}`,
          injected.retryable ?? false,
          retryAfter,
        );
      }
      const result = this.route(req.method ?? 'GET', path, text === '' ? undefined : parseJson(text));
      status = result.status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(result.body === undefined ? undefined : JSON.stringify(result.body));
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError(500, 'INTERNAL_ERROR', 'internal error', true);
      status = apiError.status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            type: ERROR_TYPES[status] ?? 'api_error',
            code: apiError.code,
            message: apiError.message,
            retryable: apiError.retryable,
            request_id: `req_${randomBytes(8).toString('hex')}`,
            retry_after_seconds: apiError.retryAfterSeconds,
          },
        }),
      );
    } finally {
      this.requests.push({
        method: req.method ?? '',
        path,
        authorization: req.headers.authorization,
        body: recorded,
        status,
      });
    }
  }

  private rateLimit(res: ServerResponse): void {
    const { limit, windowSeconds } = this.options.rateLimit;
    const now = this.options.now();
    if (now - this.window.startedAt >= windowSeconds * 1000) this.window = { startedAt: now, used: 0 };
    this.window.used += 1;
    const resetAt = this.window.startedAt + windowSeconds * 1000;
    // [U] unit of X-RateLimit-Reset: Unix seconds of the window's end, here.
    res.setHeader('X-RateLimit-Limit', String(limit));
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - this.window.used)));
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(resetAt / 1000)));
    if (this.window.used > limit) {
      const wait = Math.max(1, Math.ceil((resetAt - now) / 1000));
      throw new ApiError(429, 'RATE_LIMIT_EXCEEDED', 'too many requests', true, wait);
    }
  }

  private authenticate(header: string | undefined): void {
    const key = /^Api-Key (\S+)$/.exec(header ?? '')?.[1];
    const scopes = key === undefined ? undefined : this.options.keys[key];
    if (!scopes) throw new ApiError(401, 'UNAUTHORIZED', 'missing or invalid API key');
    if (!scopes.includes(SCOPE))
      throw new ApiError(401, 'INSUFFICIENT_SCOPE', `the API key lacks the scope ${SCOPE}`);
  }

  private route(method: string, path: string, body: unknown): { status: number; body?: unknown } {
    if (path === '/v2/api/webhooks/event_types' && method === 'GET')
      return { status: 200, body: { data: ALLO_EVENT_TYPES } };
    if (path === '/v2/api/webhooks') {
      if (method === 'GET')
        return { status: 200, body: { data: [...this.store.values()].map((w) => view(w, false)) } };
      if (method === 'POST') {
        const input = object(body);
        const created = this.create(validUrl(input.url), validTopics(input.topics), description(input));
        this.options.onWebhookCreated({ ...created, topics: [...created.topics] });
        return { status: 201, body: { data: view(created, true) } };
      }
    }
    const id = /^\/v2\/api\/webhooks\/([^/]+)$/.exec(path)?.[1];
    if (id === undefined) throw new ApiError(404, 'NOT_FOUND', `no route ${method} ${path}`);
    const webhook = this.store.get(id);
    if (!webhook) throw new ApiError(404, 'NOT_FOUND', `no webhook ${id}`);
    if (method === 'GET') return { status: 200, body: { data: view(webhook, this.options.secretOnGet) } };
    if (method === 'DELETE') {
      this.store.delete(id);
      return { status: 204 };
    }
    if (method === 'PUT') {
      const input = object(body);
      if (input.url !== undefined) webhook.url = validUrl(input.url);
      if (input.topics !== undefined) webhook.topics = validTopics(input.topics);
      if (input.description !== undefined) webhook.description = description(input);
      if (input.enabled !== undefined) {
        if (typeof input.enabled !== 'boolean')
          throw new ApiError(400, 'VALIDATION_ERROR', 'enabled must be a boolean');
        webhook.enabled = input.enabled;
      }
      return { status: 200, body: { data: view(webhook, false) } };
    }
    throw new ApiError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  private create(url: string, topics: string[], text: string | null): ContractWebhook {
    const webhook: ContractWebhook = {
      id: `ep_${randomBytes(10).toString('hex')}`,
      url,
      topics,
      description: text,
      enabled: true,
      signing_secret: `whsec_${randomBytes(32).toString('base64')}`,
      created_at: new Date(this.options.now()).toISOString(),
    };
    this.store.set(webhook.id, webhook);
    return webhook;
  }
}

function view(webhook: ContractWebhook, withSecret: boolean): Record<string, unknown> {
  return {
    ...webhook,
    topics: [...webhook.topics],
    signing_secret: withSecret ? webhook.signing_secret : null,
  };
}
