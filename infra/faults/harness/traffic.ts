import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  deliverEvents,
  generateHistory,
  type DeliveryOptions,
  type DeliveryReport,
  type SimulatedEvent,
} from '@allo-pipeline/allo-simulator';
import { signWebhook, type WebhookSecret } from '@allo-pipeline/webhook-signature';

// Load for the scenarios: the simulator delivering with Allo's retry behaviour (a shortened
// schedule), every acknowledged event recorded with the time of its acknowledgement; a probe
// that sends one event at a time and records every attempt's status (what a scenario asserts
// about answers during an outage); and a round-robin balancer to spread deliveries over several
// gateways.

/** A small history: each call is 2+ events, each conversation 1-4, each contact 1-3. */
export function smallHistory(seed: number, scale = 1): SimulatedEvent[] {
  return generateHistory({
    seed,
    calls: Math.round(200 * scale),
    smsConversations: Math.round(80 * scale),
    contacts: Math.round(50 * scale),
    startAt: new Date(Date.now() - 3_600_000),
  });
}

export interface Traffic {
  readonly events: readonly SimulatedEvent[];
  /** Acknowledged events' bodies by webhook-id, filled as they are acknowledged. */
  readonly acked: Map<string, string>;
  /** When each acknowledgement arrived (ms since the epoch). */
  readonly ackedAt: Map<string, number>;
  readonly startedAt: number;
  finished: boolean;
  readonly done: Promise<DeliveryReport>;
}

/**
 * Allo's retry schedule scaled by 0.001: 5 ms, 300 ms, 1.8 s, 7.2 s, 18 s, 36 s, 36 s, so an event
 * refused throughout an outage of up to ~100 s is still delivered.
 */
export const RETRY_TIME_SCALE = 0.001;

/** Starts delivering `events` to `url` (Allo's retries on a fast clock); see Traffic. */
export function startTraffic(
  url: string,
  secret: WebhookSecret,
  events: readonly SimulatedEvent[],
  options: Omit<DeliveryOptions, 'url' | 'secret' | 'onAck'> = {},
): Traffic {
  const acked = new Map<string, string>();
  const ackedAt = new Map<string, number>();
  const done = deliverEvents(events, {
    timeScale: RETRY_TIME_SCALE,
    concurrency: 8,
    ratePerSecond: 50,
    timeoutMs: 8_000,
    ...options,
    url,
    secret,
    onAck: (event) => {
      acked.set(event.id, event.body);
      ackedAt.set(event.id, Date.now());
    },
  });
  const traffic: Traffic = { events, acked, ackedAt, startedAt: Date.now(), finished: false, done };
  void done.finally(() => (traffic.finished = true)).catch(() => undefined);
  return traffic;
}

/** One HTTP attempt of the probe: when it started and ended, and its status (0: no answer). */
export interface ProbeAttempt {
  readonly id: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
}

export interface StatusProbe {
  readonly attempts: ProbeAttempt[];
  readonly acked: Map<string, string>;
  /** Stops sending new events, retries the refused one until acknowledged; resolves then. */
  finish(): Promise<void>;
}

/**
 * Sends `events` in `lanes` parallel lanes, one at a time per lane, each signed afresh per
 * attempt and retried every `pauseMs` until acknowledged (nothing is left refused, so nothing
 * the gateway published on a late answer is unexpected), and records every attempt.
 */
export function startStatusProbe(
  url: string,
  secret: WebhookSecret,
  events: readonly SimulatedEvent[],
  options: { pauseMs?: number; lanes?: number } = {},
): StatusProbe {
  const { pauseMs = 200, lanes = 4 } = options;
  const attempts: ProbeAttempt[] = [];
  const acked = new Map<string, string>();
  let finishing = false;
  const lane = async (mine: readonly SimulatedEvent[]): Promise<void> => {
    for (const event of mine) {
      if (finishing) return;
      for (;;) {
        const startedAt = Date.now();
        const status = await postSigned(url, secret, event, 8_000);
        attempts.push({ id: event.id, startedAt, endedAt: Date.now(), status });
        if (status >= 200 && status < 300) {
          acked.set(event.id, event.body);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const run = Promise.all(
    Array.from({ length: lanes }, (_, i) => lane(events.filter((_, n) => n % lanes === i))),
  );
  return {
    attempts,
    acked,
    finish: async () => {
      finishing = true;
      await run;
    },
  };
}

/** One signed POST; resolves with the status, 0 when there was no answer in time. */
export async function postSigned(
  url: string,
  secret: WebhookSecret,
  event: SimulatedEvent,
  timeoutMs: number,
): Promise<number> {
  const body = Buffer.from(event.body, 'utf8');
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook({ id: event.id, timestamp, body, secret }),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Probe events: a history of their own (another seed), so their ids never meet the load's. */
export function probeEvents(seed: number, count: number): SimulatedEvent[] {
  const events = generateHistory({
    seed,
    calls: 0,
    smsConversations: 0,
    contacts: count,
    startAt: new Date(Date.now() - 3_600_000),
  });
  return events.slice(0, count);
}

/**
 * A round-robin HTTP balancer in front of several gateways, as a load balancer deploys them:
 * each request goes to the next backend; one that refuses the connection is skipped for the
 * next (nginx's proxy_next_upstream error), so a killed gateway's share moves to the others.
 */
export class RoundRobinBalancer {
  private next = 0;
  /** Requests answered by each backend, by port. */
  readonly served = new Map<number, number>();

  private constructor(
    private readonly server: Server,
    private readonly backends: readonly number[],
  ) {}

  static async start(backends: readonly number[]): Promise<RoundRobinBalancer> {
    const server = createServer();
    const balancer = new RoundRobinBalancer(server, backends);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void balancer.forward(req, Buffer.concat(chunks)).then(({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(body);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private async forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: Buffer }> {
    for (let tried = 0; tried < this.backends.length; tried++) {
      const port = this.backends[this.next++ % this.backends.length]!;
      const answer = await proxyOnce(port, req, body);
      if (answer === 'refused') continue;
      this.served.set(port, (this.served.get(port) ?? 0) + 1);
      return answer;
    }
    return { status: 502, body: Buffer.from('{"error":"no gateway answers"}') };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function proxyOnce(
  port: number,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; body: Buffer } | 'refused'> {
  return new Promise((resolve) => {
    const headers = { ...req.headers, host: `127.0.0.1:${port}` };
    const forwarded = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
        res.on('error', () => resolve({ status: 502, body: Buffer.alloc(0) }));
      },
    );
    forwarded.on('timeout', () => forwarded.destroy(new Error('timeout')));
    forwarded.on('error', (error: NodeJS.ErrnoException) =>
      // Refused: nothing was sent, another backend may take it. Anything else: the request may
      // have been received, so the client (Allo) sees a failure and retries.
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : { status: 502, body: Buffer.alloc(0) }),
    );
    forwarded.end(body);
  });
}
