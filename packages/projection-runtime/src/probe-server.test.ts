import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createProbeApp, type Readiness } from './probe-server.js';
import { createProjectorMetrics } from './projector-metrics.js';

function app(ready: Readiness | Error) {
  const registry = new Registry();
  createProjectorMetrics(registry).eventsApplied.labels('calls', 'call.completed').inc();
  const readiness = () => (ready instanceof Error ? Promise.reject(ready) : Promise.resolve(ready));
  return createProbeApp({ registry, readiness, logger: pino({ level: 'silent' }) }).callback();
}

const READY: Readiness = { ready: true };

describe('probe server', () => {
  it('answers healthz, readyz and metrics', async () => {
    await request(app(READY)).get('/healthz').expect(200, { status: 'ok' });
    await request(app(READY)).get('/readyz').expect(200, { status: 'ready' });
    const since = new Date('2026-12-01T10:00:00Z');
    await request(app({ ready: false, reason: 'log replaced', fix: 'rebuild', since }))
      .get('/readyz')
      .expect(503, {
        status: 'not-ready',
        reason: 'log replaced',
        fix: 'rebuild',
        since: since.toISOString(),
      });
    await request(app(new Error('db down')))
      .get('/readyz')
      .expect(503, { status: 'not-ready', reason: 'readiness check failed: Error: db down' });
    const metrics = await request(app(READY)).get('/metrics').expect(200);
    expect(metrics.text).toContain(
      'allo_projector_events_applied_total{projection="calls",topic="call.completed"} 1',
    );
  });

  it('answers unknown paths with a JSON 404', async () => {
    await request(app(READY))
      .get('/nope')
      .expect(404, { error: { code: 'not-found', message: 'no route /nope' } });
  });
});
