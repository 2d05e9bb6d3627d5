import http from 'node:http';
import https from 'node:https';

/** The headers of one signed delivery attempt (Standard Webhooks names). */
export interface SignedRequest {
  readonly id: string;
  /** Unix seconds, as sent in `webhook-timestamp`. */
  readonly timestamp: number;
  readonly signature: string;
  readonly body: Buffer;
}

/** What one HTTP attempt came to; every outcome except `ok` is a failed attempt for Allo. */
export type AttemptOutcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly reason: 'status'; readonly status: number }
  | { readonly ok: false; readonly reason: 'timeout' }
  | { readonly ok: false; readonly reason: 'connection'; readonly code: string };

/** A keep-alive HTTP client for one endpoint; `close()` frees its sockets. */
export interface HttpSender {
  send(request: SignedRequest): Promise<AttemptOutcome>;
  close(): void;
}

const USER_AGENT = 'allo-simulator/0.1';

/**
 * A sender POSTing JSON to `url` over a keep-alive agent with up to `maxSockets` connections.
 * Measured faster than the built-in fetch for this workload (see bench/max-rate.bench.ts).
 * An attempt that has no response status after `timeoutMs` is aborted and reported as `timeout`;
 * socket errors (refused, reset, dropped) are reported as `connection`. Never rejects.
 */
export function createHttpSender(url: URL, options: { maxSockets: number; timeoutMs: number }): HttpSender {
  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  return {
    send: (request) => sendOnce(transport, agent, url, options.timeoutMs, request),
    close: () => agent.destroy(),
  };
}

function sendOnce(
  transport: typeof http | typeof https,
  agent: http.Agent,
  url: URL,
  timeoutMs: number,
  request: SignedRequest,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let timedOut = false;
    const req = transport.request(url, { method: 'POST', agent, headers: headersOf(request) }, (res) => {
      clearTimeout(timer);
      res.on('error', () => undefined); // a reset after the status line changes nothing
      res.resume(); // drain so the socket returns to the pool
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, reason: 'status', status });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(
        timedOut
          ? { ok: false, reason: 'timeout' }
          : { ok: false, reason: 'connection', code: error.code ?? error.message },
      );
    });
    req.end(request.body);
  });
}

function headersOf(request: SignedRequest): http.OutgoingHttpHeaders {
  return {
    'content-type': 'application/json',
    'content-length': request.body.length,
    'user-agent': USER_AGENT,
    'webhook-id': request.id,
    'webhook-timestamp': String(request.timestamp),
    'webhook-signature': request.signature,
  };
}
