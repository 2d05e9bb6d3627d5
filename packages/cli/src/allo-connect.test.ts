import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AlloApiContractServer, CONTRACT_API_KEY } from '@allo-pipeline/testing';
import { AlloApiClient } from './allo-api-client.js';
import { AlloApiError } from './allo-api-error.js';
import { connectSource } from './allo-connect.js';
import { AlloCommandError, type AlloDeps } from './allo-deps.js';
import type { GatewayStatusOutcome } from './allo-gateway-status.js';
import { readSourcesFile } from './allo-sources-file.js';

const URL_EU = 'https://hooks.example.test/webhooks/allo/eu';

// Allo's API is the contract server (fact sheet §5); the gateway is out of the picture here
// (it reports nothing), so connect only says the gateway has not loaded the secret.
describe('allo connect against the contract server', () => {
  let server: AlloApiContractServer;
  let dir: string;
  let lines: string[];
  let slept: number[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allo-connect-'));
    lines = [];
    slept = [];
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function deps(apiKey = CONTRACT_API_KEY): AlloDeps {
    let clock = 1_767_225_600_000;
    const sleep = (ms: number) => {
      slept.push(ms);
      clock += ms;
      return Promise.resolve();
    };
    return {
      api: new AlloApiClient({ baseUrl: server.url, apiKey, sleep, random: () => 0.5 }),
      env: { apiUrl: server.url, sourcesFile: join(dir, 'allo-sources.json'), gatewayUrl: 'http://gw.test' },
      gatewayStatus: (): Promise<GatewayStatusOutcome> => Promise.resolve({ ok: false, error: 'no gateway' }),
      out: (line) => lines.push(line),
      now: () => clock,
      sleep,
    };
  }
  const file = () => join(dir, 'allo-sources.json');

  it('creates the webhook with all topics and stores its secret (mode 600), printing neither key nor secret', async () => {
    server = await AlloApiContractServer.start();
    expect(await connectSource(deps(), { url: URL_EU, source: undefined, topics: 'all' })).toBe(0);
    const [webhook] = server.webhooks();
    expect(webhook).toMatchObject({ url: URL_EU, enabled: true });
    expect(webhook?.topics).toHaveLength(11);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/api/webhooks/event_types',
      'GET /v2/api/webhooks',
      'POST /v2/api/webhooks',
    ]);
    expect(server.requests.every((r) => r.authorization === `Api-Key ${CONTRACT_API_KEY}`)).toBe(true);
    expect(readSourcesFile(file()).get('eu')).toEqual({
      secrets: [webhook?.signing_secret],
      url: URL_EU,
      webhookId: webhook?.id,
    });
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const printed = lines.join('\n');
    expect(printed).toContain(`created webhook ${webhook?.id}`);
    expect(printed).not.toContain(webhook!.signing_secret.slice(6));
    expect(printed).not.toContain(CONTRACT_API_KEY);
  });

  it('updates the webhook Allo already has for the URL (topics, enabled) and adds its secret beside the active ones', async () => {
    server = await AlloApiContractServer.start();
    const existing = server.seed({ url: URL_EU, topics: ['call.completed'], enabled: false });
    expect(
      await connectSource(deps(), { url: URL_EU, source: 'eu', topics: ['sms.received', 'sms.sent'] }),
    ).toBe(0);
    expect(server.webhooks()).toEqual([
      expect.objectContaining({ id: existing.id, enabled: true, topics: ['sms.received', 'sms.sent'] }),
    ]);
    expect(server.requests.find((r) => r.method === 'PUT')?.body).toEqual({
      topics: ['sms.received', 'sms.sent'],
      enabled: true,
    });
    expect(server.requests.some((r) => r.method === 'POST')).toBe(false);
    expect(readSourcesFile(file()).get('eu')?.secrets).toEqual([existing.signing_secret]);
    expect(lines.join('\n')).toContain('was disabled at Allo and is enabled again');
  });

  it('names unknown topics and creates nothing', async () => {
    server = await AlloApiContractServer.start();
    const run = connectSource(deps(), {
      url: URL_EU,
      source: undefined,
      topics: ['call.completed', 'call.exploded'],
    });
    await expect(run).rejects.toThrow(/unknown topic\(s\) call\.exploded; nothing was created/);
    expect(server.webhooks()).toEqual([]);
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it("reports Allo's 400 INVALID_EVENT_TYPE with its code and request id", async () => {
    server = await AlloApiContractServer.start();
    server.failNext(1, {
      status: 400,
      code: 'INVALID_EVENT_TYPE',
      message: 'unknown event type(s): sms.sent',
    });
    const error = await connectSource(deps(), { url: URL_EU, source: undefined, topics: 'all' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AlloApiError);
    expect((error as AlloApiError).message).toMatch(
      /GET \/v2\/api\/webhooks\/event_types failed: 400 INVALID_EVENT_TYPE: unknown event type\(s\): sms\.sent \(request id req_[0-9a-f]+\)/,
    );
    expect(slept).toEqual([]);
  });

  it('on 401 names the scope the key needs, does not retry, and never shows the key', async () => {
    server = await AlloApiContractServer.start();
    const error = await connectSource(deps('ak_live_wrong'), {
      url: URL_EU,
      source: undefined,
      topics: 'all',
    }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain('401 UNAUTHORIZED');
    expect((error as Error).message).toContain('scope WEBHOOKS_READ_WRITE');
    expect((error as Error).message).not.toContain('ak_live_wrong');
    expect(server.requests).toHaveLength(1);
  });

  it('waits out a 429 for retry_after_seconds, then succeeds', async () => {
    server = await AlloApiContractServer.start();
    server.failNext(2, { status: 429, code: 'RATE_LIMIT_EXCEEDED', retryable: true, retry_after_seconds: 7 });
    expect(await connectSource(deps(), { url: URL_EU, source: undefined, topics: 'all' })).toBe(0);
    expect(server.requests.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 200]);
    expect(slept.slice(0, 2)).toEqual([7000, 7000]);
    expect(server.webhooks()).toHaveLength(1);
  });

  it('gives up on 429 after the bounded number of attempts', async () => {
    server = await AlloApiContractServer.start();
    server.failNext(10, {
      status: 429,
      code: 'RATE_LIMIT_EXCEEDED',
      retryable: true,
      retry_after_seconds: 1,
    });
    const error = await connectSource(deps(), { url: URL_EU, source: undefined, topics: 'all' }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/429 RATE_LIMIT_EXCEEDED.*gave up after 4 attempts/);
    expect(server.requests).toHaveLength(4);
  });

  it("when Allo does not return the existing webhook's secret and none is stored, says to rotate", async () => {
    server = await AlloApiContractServer.start({ secretOnGet: false });
    server.seed({ url: URL_EU, topics: ['call.completed'] });
    await expect(connectSource(deps(), { url: URL_EU, source: undefined, topics: 'all' })).rejects.toThrow(
      /allo rotate --source eu/,
    );
  });

  it.each([
    ['http://hooks.example.test/webhooks/allo', undefined, /public HTTPS/],
    ['https://hooks.example.test/webhooks/allo/eu', 'us', /contradicts the URL/],
    ['https://hooks.example.test/in/allo', undefined, /give --source/],
  ])('rejects %s (--source %s) before calling Allo', async (url, source, message) => {
    server = await AlloApiContractServer.start();
    await expect(connectSource(deps(), { url, source, topics: 'all' })).rejects.toThrow(AlloCommandError);
    await expect(connectSource(deps(), { url, source, topics: 'all' })).rejects.toThrow(message);
    expect(server.requests).toEqual([]);
    expect(() => readFileSync(file())).toThrow();
  });
});
