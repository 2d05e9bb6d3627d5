import { describe, expect, it } from '@jest/globals';
import { cachedFor, checkWithin, describeError, registrySchemaRequest } from './dependency-checks.js';

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

  it("names the cause of a failed fetch, which says only 'fetch failed'", () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18081'), { code: 'ECONNREFUSED' }),
    });
    expect(describeError(refused)).toBe('fetch failed (connect ECONNREFUSED 127.0.0.1:18081)');
    expect(describeError({ message: 'from another realm' })).toBe('from another realm');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(new Error('x'.repeat(1000))).length).toBe(300);
  });

  it('asks the registry for the schema by id, with URL credentials moved out of the URL', () => {
    expect(registrySchemaRequest('http://127.0.0.1:18081/apis/ccompat/v7/', 3)).toEqual({
      url: 'http://127.0.0.1:18081/apis/ccompat/v7/schemas/ids/3',
      headers: {},
    });
    const request = registrySchemaRequest('https://svc%40acme:p%3Ass@registry.example/ccompat', 7);
    expect(request.url).toBe('https://registry.example/ccompat/schemas/ids/7');
    expect(request.headers).toEqual({
      authorization: `Basic ${Buffer.from('svc@acme:p:ss').toString('base64')}`,
    });
  });
});
