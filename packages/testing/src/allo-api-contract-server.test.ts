import { afterEach, describe, expect, it } from '@jest/globals';
import { AlloApiContractServer, CONTRACT_API_KEY } from './allo-api-contract-server.js';

// The contract server must itself follow the fact sheet (§5), or tests built on it prove nothing.
describe('AlloApiContractServer', () => {
  let server: AlloApiContractServer;
  afterEach(() => server.close());

  const call = (method: string, path: string, body?: unknown, key = CONTRACT_API_KEY) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('creates (201 with the secret), lists (no secret), updates, gets and deletes (204)', async () => {
    server = await AlloApiContractServer.start();
    const created = await call('POST', '/v2/api/webhooks', {
      url: 'https://example.test/webhooks/allo',
      topics: ['call.completed'],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(created.headers.get('x-ratelimit-remaining')).toBe('999');
    const { data } = (await created.json()) as { data: { id: string; signing_secret: string } };
    expect(data).toMatchObject({ id: expect.stringMatching(/^ep_/), enabled: true, description: null });
    expect(data.signing_secret).toMatch(/^whsec_/);
    const list = (await (await call('GET', '/v2/api/webhooks')).json()) as { data: unknown[] };
    expect(list.data).toEqual([expect.objectContaining({ id: data.id, signing_secret: null })]);
    const updated = await call('PUT', `/v2/api/webhooks/${data.id}`, {
      enabled: false,
      topics: ['sms.sent'],
    });
    expect(((await updated.json()) as { data: unknown }).data).toMatchObject({
      enabled: false,
      topics: ['sms.sent'],
      url: 'https://example.test/webhooks/allo',
    });
    expect((await call('DELETE', `/v2/api/webhooks/${data.id}`)).status).toBe(204);
    expect((await call('GET', `/v2/api/webhooks/${data.id}`)).status).toBe(404);
    expect(server.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'GET 200',
      'PUT 200',
      'DELETE 204',
      'GET 404',
    ]);
  });

  it('answers errors with the documented error object', async () => {
    server = await AlloApiContractServer.start({ rateLimit: { limit: 2, windowSeconds: 30 } });
    const bad = await call('POST', '/v2/api/webhooks', { url: 'https://x.test/', topics: ['call.exploded'] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'INVALID_EVENT_TYPE',
        message: expect.stringContaining('call.exploded'),
        retryable: false,
        request_id: expect.stringMatching(/^req_/),
        retry_after_seconds: null,
      },
    });
    expect((await call('GET', '/v2/api/webhooks', undefined, 'ak_wrong')).status).toBe(401);
    const limited = await call('GET', '/v2/api/webhooks/event_types');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await limited.json()) as { error: unknown }).error).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      retryable: true,
      retry_after_seconds: 30,
    });
    expect(server.webhooks()).toEqual([]);
  });
});
