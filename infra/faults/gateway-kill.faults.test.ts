import { afterAll, describe, expect, it } from '@jest/globals';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { CLEAN_VERDICT, finishScenario, firstAckAfter, secondsBetween, verdict } from './harness/scenario.js';
import { smallHistory, startTraffic } from './harness/traffic.js';

// Scenario 1: the gateway SIGKILLed under load and started again. What it acknowledged before
// the kill is in Kafka (it answers 2xx only after acks=all); what was in flight got no 2xx, so
// Allo's retries deliver it to the new process.
describe('fault: SIGKILL the gateway under load', () => {
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => pipeline?.dispose(), 60_000);

  it('loses and duplicates nothing acknowledged', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'gateway-kill' });
    await pipeline.start();
    const gateway = pipeline.gateways[0]!;
    const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, smallHistory(101), {
      ratePerSecond: 60,
      seed: 101,
    });
    let recover: number | null = null;
    for (let kill = 0; kill < 2; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(traffic.finished).toBe(false);
      const killedAt = Date.now();
      await gateway.kill();
      gateway.start();
      await gateway.waitReady();
      const restartedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      recover = Math.max(recover ?? 0, secondsBetween(killedAt, firstAckAfter(traffic, restartedAt)) ?? 0);
    }
    const result = await finishScenario(pipeline, traffic, { startedAt, recoverSeconds: recover });
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
    expect(gateway.exits).toEqual(['SIGKILL', 'SIGKILL']);
    expect(result.report.attemptFailures.connection + result.report.attemptFailures.status).toBeGreaterThan(
      0,
    );
  }, 300_000);
});
