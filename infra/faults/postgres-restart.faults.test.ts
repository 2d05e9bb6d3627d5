import { afterAll, describe, expect, it } from '@jest/globals';
import { PROJECTION_NAMES } from '@allo-pipeline/read-models';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { appliedAgainAfter } from './harness/projection-progress.js';
import { CLEAN_VERDICT, finishScenario, secondsBetween, verdict } from './harness/scenario.js';
import { startServer, stopServer } from './harness/stack-control.js';
import { smallHistory, startTraffic } from './harness/traffic.js';

// Scenario 4: Postgres stopped under load and started again. The gateway does not need it (it
// keeps acknowledging: Kafka holds the events); the projectors' transactions fail, they retry
// and resume from the offsets stored with the rows. The registry keeps its schemas in this
// Postgres too: the gateway has its schema id from start-up, so it needs the registry only for
// /readyz, and the registry's connection pool reconnects by itself (checked below).
const DOWN_FOR_MS = 8_000;

describe('fault: restart Postgres under load', () => {
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => {
    await startServer('postgres');
    await pipeline?.dispose();
  }, 120_000);

  it('keeps acknowledging, and the projectors catch up exactly once', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'postgres-restart' });
    await pipeline.start();
    const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, smallHistory(404, 1.5), {
      ratePerSecond: 50,
      seed: 404,
    });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(traffic.finished).toBe(false);
    const stopAt = Date.now();
    await stopServer('postgres');
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, DOWN_FOR_MS));
    const projectorsWhileDown = await Promise.all(pipeline.allProjectors().map((p) => p.readiness()));
    const upAt = Date.now();
    await startServer('postgres');
    const backAt = Date.now();
    const appliedAgain = await Promise.all(
      PROJECTION_NAMES.map((projection) => appliedAgainAfter(pipeline!, projection, backAt)),
    );
    const ackedWhileDown = [...traffic.ackedAt.values()].filter((at) => at > downAt && at < upAt).length;
    const recovered = appliedAgain.map((at) => secondsBetween(stopAt, at));
    // The registry on its restarted storage: the gateway's /readyz checks it.
    const gatewayReady = await pipeline.gateways[0]!.readiness();
    const result = await finishScenario(pipeline, traffic, {
      startedAt,
      recoverSeconds: recovered.every((s) => s !== null) ? Math.max(...recovered) : null,
      note: `down ${((upAt - stopAt) / 1000).toFixed(1)} s; ${ackedWhileDown} acknowledged meanwhile; registry not restarted`,
    });

    expect(ackedWhileDown).toBeGreaterThan(0);
    expect(projectorsWhileDown.map((r) => r?.status)).toEqual([503, 503, 503]);
    expect(recovered.every((s) => s !== null)).toBe(true);
    expect(gatewayReady?.status).toBe(200);
    expect(pipeline.allProjectors().map((p) => p.exits)).toEqual([[], [], []]);
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
  }, 300_000);
});
