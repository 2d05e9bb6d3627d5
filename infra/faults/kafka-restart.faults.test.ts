import { afterAll, describe, expect, it } from '@jest/globals';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { CLEAN_VERDICT, finishScenario, firstAckAfter, secondsBetween, verdict } from './harness/scenario.js';
import { startServer, stopServer } from './harness/stack-control.js';
import { probeEvents, smallHistory, startStatusProbe, startTraffic } from './harness/traffic.js';

// Scenario 3: the Kafka broker stopped under load and started again. While it is down nothing
// can be made durable, so the gateway must refuse (503) and never acknowledge; Allo's retries
// deliver it all once the broker is back, and the projectors resume where they stored.
const DOWN_FOR_MS = 10_000;

describe('fault: stop and restart the Kafka broker under load', () => {
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => {
    await startServer('kafka'); // a no-op when it runs; the next scenario needs it
    await pipeline?.dispose();
  }, 120_000);

  it('answers 503 while it is down, never 2xx, and loses nothing acknowledged', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'kafka-restart' });
    await pipeline.start();
    const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, smallHistory(303, 1.5), {
      ratePerSecond: 50,
      seed: 303,
    });
    const probe = startStatusProbe(pipeline.webhookUrl(), pipeline.secret, probeEvents(313, 400), {
      pauseMs: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(traffic.finished).toBe(false);
    const stopAt = Date.now();
    await stopServer('kafka');
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, DOWN_FOR_MS));
    const readyzWhileDown = await pipeline.gateways[0]!.readiness();
    const upAt = Date.now();
    await startServer('kafka');
    const backAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // Attempts made entirely while the broker was down (from its exit to the start of its restart).
    const whileDown = probe.attempts.filter((a) => a.startedAt >= downAt && a.endedAt <= upAt);
    const statuses = [...new Set(whileDown.map((a) => a.status))];
    const slowest = Math.max(0, ...whileDown.map((a) => a.endedAt - a.startedAt));
    // Acknowledgements of the load while it was down (a response already on its way at the exit
    // may arrive a moment after it).
    const ackedWhileDown = [...traffic.ackedAt.values()].filter((at) => at > downAt + 500 && at < upAt);
    const result = await finishScenario(pipeline, traffic, {
      startedAt,
      probe,
      recoverSeconds: secondsBetween(stopAt, firstAckAfter(traffic, backAt)),
      note: `down ${((upAt - stopAt) / 1000).toFixed(1)} s, restart ${((backAt - upAt) / 1000).toFixed(1)} s; ${whileDown.length} probe answers while down: ${statuses.join(',')} within ${(slowest / 1000).toFixed(1)} s`,
    });

    expect(whileDown.length).toBeGreaterThanOrEqual(2);
    expect(statuses).toEqual([503]);
    expect(ackedWhileDown).toEqual([]);
    expect(readyzWhileDown?.status).toBe(503);
    expect(result.report.attemptFailures.status).toBeGreaterThan(0);
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
  }, 300_000);
});
