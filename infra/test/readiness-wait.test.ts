import { describe, expect, it } from '@jest/globals';
import { serviceUrl, waitUntilReady } from '../src/readiness-wait.js';

/** A virtual clock advanced by the sleeps. */
function virtualTime() {
  let now = 0;
  return { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()) };
}

describe('waitUntilReady', () => {
  it('resolves once every service is ready, naming each late one once with why', async () => {
    const time = virtualTime();
    const readyAt: Record<string, number> = { gateway: 1_000, 'projector-calls': 90_000 };
    const late: string[] = [];
    const ready = await waitUntilReady({
      services: Object.keys(readyAt),
      probe: (name) =>
        Promise.resolve({ ready: time.now() >= readyAt[name]!, detail: `${name} says 503 {"problems":[…]}` }),
      lateAfterMs: 60_000,
      onLate: (name, detail) => late.push(`${name}: ${detail}`),
      signal: new AbortController().signal,
      ...time,
    });
    expect(ready).toBe(true);
    expect(time.now()).toBeGreaterThanOrEqual(90_000);
    expect(late).toEqual(['projector-calls: projector-calls says 503 {"problems":[…]}']);
  });

  it('gives up, saying so, when the stop is requested', async () => {
    const stop = new AbortController();
    const time = virtualTime();
    const waiting = waitUntilReady({
      services: ['gateway'],
      probe: () => {
        if (time.now() > 5_000) stop.abort();
        return Promise.resolve({ ready: false, detail: '' });
      },
      lateAfterMs: 60_000,
      onLate: () => undefined,
      signal: stop.signal,
      ...time,
    });
    await expect(waiting).resolves.toBe(false);
  });
});

describe('serviceUrl', () => {
  it('uses the port variable of each known service', () => {
    expect(serviceUrl('gateway', {})).toBe('http://127.0.0.1:8080');
    expect(serviceUrl('query-api', { API_PORT: '9000' })).toBe('http://127.0.0.1:9000');
    expect(serviceUrl('unknown', {})).toBeUndefined();
  });
});
