import { afterEach, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { parseSecret } from '@allo-pipeline/webhook-signature';
import { deliverEvents } from './deliver-events.js';
import { DeliveryOptionsError } from './delivery-options.js';
import type { SimulatedEvent } from './generate-history.js';
import { ALLO_MAX_ATTEMPTS, ALLO_RETRY_SCHEDULE_MS } from './retry-schedule.js';
import { startTestServer, type ReceivedRequest, type Reply, type TestServer } from './test-server.js';

// The spec's known-answer vector (allo-webhooks-spec.md §2.5).
const SECRET_TEXT = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
const secret = parseSecret(SECRET_TEXT, 'TEST_SECRET');
const VECTOR: SimulatedEvent = {
  id: 'msg_7QkR2vXc9LmN4pTz8sWd',
  topic: 'sms.received',
  body: '{"topic":"sms.received","version":"2.0","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"msg_5HtYw2Lq8NcV1bRz6KpE","content":"Bonjour"}}',
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(reply: (request: ReceivedRequest) => Reply): Promise<TestServer> {
  server = await startTestServer(reply);
  return server;
}

/** A virtual clock: sleep() returns at once and moves time forward by exactly the requested amount. */
function fakeTime(start = 1_767_225_600_000) {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: (ms: number) => {
      sleeps.push(ms);
      time += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

/** Verifies a received request independently of the signature package (plain node:crypto HMAC). */
function signatureOf(request: ReceivedRequest): string {
  const content = `${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.`;
  return `v1,${createHmac('sha256', secret.key).update(content).update(request.body).digest('base64')}`;
}

function events(count: number): SimulatedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `msg_test${String(i).padStart(16, '0')}`,
    topic: 'sms.received',
    body: JSON.stringify({
      topic: 'sms.received',
      version: '2.0',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { n: i },
    }),
  }));
}

describe('deliverEvents: signing and retries', () => {
  it('signs exactly like the known-answer vector and posts the exact body as JSON', async () => {
    const { url, requests } = await serve(() => ({ status: 200 }));
    const time = fakeTime(1_767_225_600_000);
    const report = await deliverEvents([VECTOR], { url, secret, ...time });
    expect(report).toMatchObject({ sent: 1, acknowledged: 1, failed: 0, attempts: 1, retried: 0 });
    const [request] = requests;
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1767225600',
      'webhook-signature': 'v1,3EsBtrrSKsLd4Sjn/0gD0gOpK7MKIZMY6a95m91gUsk=',
    });
    expect(request?.body).toBe(VECTOR.body);
  });

  it('retries on the scaled Allo schedule with the same id and a fresh signature per attempt', async () => {
    const { url, requests } = await serve(({ index }) => ({ status: index < 7 ? 500 : 204 }));
    const time = fakeTime();
    const acks: number[] = [];
    const report = await deliverEvents([VECTOR], {
      url,
      secret,
      timeScale: 0.001,
      ...time,
      onAck: (_event, info) => acks.push(info.attempt),
    });
    expect(time.sleeps).toEqual(ALLO_RETRY_SCHEDULE_MS.map((ms) => ms * 0.001));
    expect(requests).toHaveLength(ALLO_MAX_ATTEMPTS);
    let elapsed = 0;
    requests.forEach((request, attempt) => {
      if (attempt > 0) elapsed += ALLO_RETRY_SCHEDULE_MS[attempt - 1]! * 0.001;
      expect(request.headers['webhook-id']).toBe(VECTOR.id);
      expect(request.headers['webhook-timestamp']).toBe(
        String(Math.floor((1_767_225_600_000 + elapsed) / 1000)),
      );
      expect(request.headers['webhook-signature']).toBe(signatureOf(request));
      expect(request.body).toBe(VECTOR.body);
    });
    expect(new Set(requests.map((r) => r.headers['webhook-signature'])).size).toBeGreaterThan(1);
    expect(acks).toEqual([8]);
    expect(report).toMatchObject({ acknowledged: 1, failed: 0, retried: 7, attempts: 8 });
  });

  it('marks an event failed after 8 failed attempts and never acks it', async () => {
    const { url, requests } = await serve(() => ({ status: 503 }));
    const time = fakeTime();
    const acked: string[] = [];
    const report = await deliverEvents([VECTOR], { url, secret, ...time, onAck: (e) => acked.push(e.id) });
    expect(requests).toHaveLength(8);
    expect(time.sleeps).toEqual([...ALLO_RETRY_SCHEDULE_MS]);
    expect(report).toMatchObject({ sent: 1, acknowledged: 0, failed: 1, failedIds: [VECTOR.id], retried: 7 });
    expect(report.attemptFailures).toEqual({ status: 8, timeout: 0, connection: 0 });
    expect(acked).toEqual([]);
  });

  it('treats a 500, a dropped connection and a timeout as failures, in real time', async () => {
    const replies: Reply[] = [{ status: 500 }, 'drop', 'hang', { status: 200 }];
    const { url, requests } = await serve(({ index }) => replies[index] ?? { status: 200 });
    const timeScale = 0.0002; // 5 s -> 1 ms, 5 min -> 60 ms, 30 min -> 360 ms
    const report = await deliverEvents([VECTOR], { url, secret, timeScale, timeoutMs: 150 });
    expect(report).toMatchObject({ acknowledged: 1, failed: 0, retried: 3, attempts: 4 });
    expect(report.attemptFailures).toEqual({ status: 1, connection: 1, timeout: 1 });
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([VECTOR.id]));
    for (const request of requests) expect(request.headers['webhook-signature']).toBe(signatureOf(request));
    const gaps = requests.slice(1).map((r, i) => r.receivedAt - requests[i]!.receivedAt);
    const scaled = ALLO_RETRY_SCHEDULE_MS.map((ms) => ms * timeScale);
    expect(gaps[0]).toBeGreaterThanOrEqual(scaled[0]! - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(scaled[1]! - 5);
    expect(gaps[1]).toBeLessThan(scaled[1]! + 250);
    expect(gaps[2]).toBeGreaterThanOrEqual(scaled[2]! + 150 - 5); // delay counts from the timeout
    expect(gaps[2]).toBeLessThan(scaled[2]! + 150 + 250);
  });

  it('rejects invalid options with an error naming the option', async () => {
    await expect(deliverEvents([], { url: 'ftp://x', secret })).rejects.toThrow(DeliveryOptionsError);
    await expect(deliverEvents([], { url: 'http://x', secret, concurrency: 0 })).rejects.toThrow(
      /concurrency/,
    );
    await expect(deliverEvents([], { url: 'http://x', secret, duplicateRate: 2 })).rejects.toThrow(
      /duplicateRate/,
    );
  });
});

describe('deliverEvents: traffic shaping', () => {
  it('acks exactly the events the receiver accepted', async () => {
    const refused = new Set(['msg_test0000000000000003', 'msg_test0000000000000007']);
    const { url } = await serve((r) => ({
      status: refused.has(String(r.headers['webhook-id'])) ? 400 : 200,
    }));
    const acked: SimulatedEvent[] = [];
    const input = events(12);
    const report = await deliverEvents(input, {
      url,
      secret,
      concurrency: 4,
      ...fakeTime(),
      onAck: (e) => acked.push(e),
    });
    expect(report).toMatchObject({ events: 12, sent: 12, acknowledged: 10, failed: 2 });
    expect(new Set(report.failedIds)).toEqual(refused);
    expect(acked.map((e) => e.id).sort()).toEqual(input.map((e) => e.id).filter((id) => !refused.has(id)));
  });

  it('re-delivers acknowledged events with the same id and body at the duplicate rate', async () => {
    const { url, requests } = await serve(() => ({ status: 200 }));
    const input = events(20);
    const acked: string[] = [];
    const report = await deliverEvents(input, {
      url,
      secret,
      duplicateRate: 1,
      onAck: (e) => acked.push(e.id),
    });
    expect(report).toMatchObject({
      acknowledged: 20,
      duplicatesSent: 20,
      duplicatesAcknowledged: 20,
      attempts: 40,
    });
    expect(acked).toHaveLength(20); // onAck once per event, not per duplicate
    for (const event of input) {
      const copies = requests.filter((r) => r.headers['webhook-id'] === event.id);
      expect(copies.map((r) => r.body)).toEqual([event.body, event.body]);
    }
    const none = await deliverEvents(input, { url, secret, duplicateRate: 0 });
    expect(none.duplicatesSent).toBe(0);
  });

  it('shuffles within the reorder window, reproducibly for a seed', async () => {
    const { url, requests } = await serve(() => ({ status: 200 }));
    const input = events(40);
    await deliverEvents(input, { url, secret, concurrency: 1, reorderWindow: 5, seed: 3 });
    const order = requests.map((r) => String(r.headers['webhook-id']));
    expect([...order].sort()).toEqual(input.map((e) => e.id));
    expect(order).not.toEqual(input.map((e) => e.id));
    order.forEach((id, position) =>
      expect(input.findIndex((e) => e.id === id)).toBeLessThanOrEqual(position + 4),
    );
    requests.length = 0;
    await deliverEvents(input, { url, secret, concurrency: 1, reorderWindow: 5, seed: 3 });
    expect(requests.map((r) => String(r.headers['webhook-id']))).toEqual(order);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const target = await serve(() => ({ status: 200, delayMs: 15 }));
    await deliverEvents(events(30), { url: target.url, secret, concurrency: 3 });
    expect(target.maxInFlight()).toBe(3);
  });

  it('paces new deliveries to the target rate', async () => {
    const { url } = await serve(() => ({ status: 200 }));
    const started = Date.now();
    const report = await deliverEvents(events(21), { url, secret, ratePerSecond: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(report.deliveriesPerSecond).toBeLessThan(230);
  });

  it('aborts the run with the error onAck threw', async () => {
    const { url } = await serve(() => ({ status: 200 }));
    const onAck = () => {
      throw new Error('disk full');
    };
    await expect(deliverEvents(events(5), { url, secret, onAck })).rejects.toThrow('disk full');
  });
});
