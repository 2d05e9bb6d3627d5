import { describe, expect, it } from '@jest/globals';
import { cachedFor, checkWithin } from './dependency-checks.js';

describe('dependency checks', () => {
  it('passes an answer, and fails a rejection or a timeout with the reason', async () => {
    expect(await checkWithin('kafka', 100, () => Promise.resolve('metadata'))).toEqual({ ok: true });
    expect(await checkWithin('kafka', 100, () => Promise.reject(new Error('Connection refused')))).toEqual({
      ok: false,
      error: 'kafka: Connection refused',
    });
    expect(await checkWithin('registry', 20, () => new Promise(() => undefined))).toEqual({
      ok: false,
      error: 'registry did not answer within 20 ms',
    });
  });

  it('reuses a result within its window, then asks again', async () => {
    let clock = 0;
    let calls = 0;
    const check = cachedFor(
      1000,
      () => clock,
      () => Promise.resolve((calls += 1)),
    );
    expect(await check()).toBe(1);
    clock = 500;
    expect(await check()).toBe(1);
    clock = 1600;
    expect(await check()).toBe(2);
  });

  it('shares a check under way instead of starting a second one', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const check = cachedFor(0, Date.now, () => {
      calls += 1;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const first = check();
    const second = check();
    release();
    await Promise.all([first, second]);
    expect(calls).toBe(1);
  });
});
