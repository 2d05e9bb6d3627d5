import { describe, expect, it } from '@jest/globals';
import { Kysely, PostgresDialect } from 'kysely';
import { pino } from 'pino';
import request from 'supertest';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { errorBody } from './test-helpers.js';
import { createQueryApi } from './create-query-api.js';
import { createQueryApiMetrics } from './query-api-metrics.js';

// A database that fails every query: these tests stop before Postgres, or check the bare 500.
const brokenDb = new Kysely<ReadModelDatabase>({
  dialect: new PostgresDialect({ pool: () => Promise.reject(new Error('database is down (test)')) }),
});

function api() {
  const logged: unknown[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const metrics = createQueryApiMetrics();
  const app = createQueryApi({
    db: brokenDb,
    tokens: ['token-a', 'token-b'],
    logger,
    now: () => 1_770_000_000_000,
    readProjectionStatus: null,
    rawTopic: 'allo.webhooks.raw',
    metrics,
  });
  return { server: app.callback(), logged, metrics };
}

describe('createQueryApi (no database needed)', () => {
  it('answers 401 with WWW-Authenticate when the token is missing, wrong or malformed', async () => {
    const { server } = api();
    for (const authorization of [undefined, 'Bearer nope', 'token-a', 'Basic dG9rZW4tYQ==']) {
      const req = request(server).get('/v1/calls');
      const res = await (authorization ? req.set('Authorization', authorization) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('lets either token through (a 400 from parameter parsing proves it got past auth)', async () => {
    const { server } = api();
    for (const token of ['token-a', 'token-b']) {
      const res = await request(server).get('/v1/stats?bucket=week').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(400);
      expect(errorBody(res)).toMatchObject({ code: 'invalid_parameter', parameter: 'bucket' });
    }
  });

  it('keeps health, metrics, the OpenAPI document and the dashboard open', async () => {
    const { server } = api();
    expect((await request(server).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(server).get('/v1/openapi.json')).body).toMatchObject({ openapi: '3.1.0' });
    expect((await request(server).get('/')).status).toBe(200);
    expect((await request(server).get('/metrics')).text).toContain('allo_query_api_requests_total');
  });

  it('reports not ready when Postgres does not answer', async () => {
    const res = await request(api().server).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not-ready', database: false });
  });

  it('answers JSON 404 and 405', async () => {
    const { server } = api();
    const missing = await request(server).get('/nope');
    expect(missing.status).toBe(404);
    expect(errorBody(missing).code).toBe('not_found');
    const post = await request(server).post('/v1/calls').set('Authorization', 'Bearer token-a');
    expect(post.status).toBe(405);
    expect(errorBody(post).code).toBe('method_not_allowed');
  });

  it('turns an unexpected failure into a bare 500 and logs it once', async () => {
    const { server, logged } = api();
    const res = await request(server).get('/v1/calls').set('Authorization', 'Bearer token-a');
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
    expect(res.text).not.toContain('database is down');
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toContain('database is down (test)');
  });

  it('counts requests by route pattern and status', async () => {
    const { server, metrics } = api();
    await request(server).get('/v1/calls/abc');
    await request(server).get('/healthz');
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'allo_query_api_requests_total{route="/v1/calls/:id",method="GET",status="401"} 1',
    );
    expect(text).toContain('allo_query_api_requests_total{route="/healthz",method="GET",status="200"} 1');
  });
});
