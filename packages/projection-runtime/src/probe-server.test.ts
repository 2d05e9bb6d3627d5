import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createProbeApp } from './probe-server.js';
import { createProjectorMetrics } from './projector-metrics.js';

function app(ready: boolean | Error) {
  const registry = new Registry();
  createProjectorMetrics(registry).eventsApplied.labels('calls', 'call.completed').inc();
  const isReady = () => (ready instanceof Error ? Promise.reject(ready) : Promise.resolve(ready));
  return createProbeApp({ registry, isReady, logger: pino({ level: 'silent' }) }).callback();
}

describe('probe server', () => {
  it('answers healthz, readyz and metrics', async () => {
    await request(app(true)).get('/healthz').expect(200, { status: 'ok' });
    await request(app(true)).get('/readyz').expect(200);
    await request(app(false)).get('/readyz').expect(503, { status: 'not-ready' });
    await request(app(new Error('db down')))
      .get('/readyz')
      .expect(503);
    const metrics = await request(app(true)).get('/metrics').expect(200);
    expect(metrics.text).toContain(
      'allo_projector_events_applied_total{projection="calls",topic="call.completed"} 1',
    );
  });

  it('answers unknown paths with a JSON 404', async () => {
    await request(app(true))
      .get('/nope')
      .expect(404, { error: { code: 'not-found', message: 'no route /nope' } });
  });
});
