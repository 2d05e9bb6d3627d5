import { afterEach, describe, expect, it } from '@jest/globals';
import { parseSecret } from '@allo-pipeline/webhook-signature';
import { streamHistory } from './stream-history.js';
import { startTestServer, type TestServer } from './test-server.js';

const secret = parseSecret('whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=', 'test');
const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** Virtual time: every wait returns at once, having moved the clock on (real HTTP meanwhile). */
function virtualTime(start: number) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += Math.max(0, ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('streamHistory', () => {
  it('delivers chunk after chunk in real time, each event once it happens, no webhook-id twice', async () => {
    const refused = new Set<number>();
    // A few attempts are refused: their retries must not hold up the next chunk.
    const server = await startTestServer((r) => {
      if (r.index % 10 !== 3 || refused.size >= 3) return { status: 200 };
      refused.add(r.index);
      return { status: 503 };
    });
    servers.push(server);
    const stop = new AbortController();
    const progress: number[] = [];
    const running = streamHistory({
      delivery: { url: server.url, secret, timeScale: 0.0001 },
      ratePerSecond: 3,
      seed: 5,
      signal: stop.signal,
      progressEveryMs: 0,
      onProgress: (totals) => progress.push(totals.acknowledged),
      ...virtualTime(Date.parse('2026-12-02T10:00:00.000Z')),
    });
    while (server.requests.length < 150) await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    const totals = await running;

    const acknowledged = server.requests.filter((r) => !refused.has(r.index));
    const ids = acknowledged.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(server.requests.map((r) => r.headers['webhook-id'])).size).toBe(ids.length);
    expect(totals.acknowledged).toBeGreaterThanOrEqual(140);
    expect(totals.retried).toBe(3);
    expect(progress.length).toBeGreaterThan(3);
    // Sent when it happens: signed (webhook-timestamp, the send time) no earlier than its event time.
    for (const request of server.requests) {
      const { timestamp } = JSON.parse(request.body) as { timestamp: string };
      const sentAt = Number(request.headers['webhook-timestamp']);
      expect(sentAt).toBeGreaterThanOrEqual(Math.floor(Date.parse(timestamp) / 1000));
    }
  });
});
