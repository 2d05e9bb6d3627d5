import { afterAll, describe, expect, it } from '@jest/globals';
import { PROJECTION_NAMES } from '@allo-pipeline/read-models';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { everyPartitionAppliedAfter } from './harness/projection-progress.js';
import { CLEAN_VERDICT, finishScenario, secondsBetween, verdict } from './harness/scenario.js';
import { RoundRobinBalancer, smallHistory, startTraffic } from './harness/traffic.js';

// Issue 15 item 2: two instances of each projector (same consumer group) and two gateways
// behind a round-robin balancer, side by side; one of each SIGKILLed under load and left dead.
// The survivors take over: the gateway's share moves to the other, the killed projector's
// partitions are reassigned after its session times out (time to recover: until every
// partition is applied again), and the rows stay exactly once.
describe('fault: two instances of each projector and of the gateway, one of each killed', () => {
  let pipeline: FaultPipeline | undefined;
  let balancer: RoundRobinBalancer | undefined;
  afterAll(async () => {
    await balancer?.close();
    await pipeline?.dispose();
  }, 60_000);

  it('keeps acknowledging and applies each acknowledged event exactly once', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'two-instances', gateways: 2, projectorInstances: 2 });
    await pipeline.start();
    balancer = await RoundRobinBalancer.start(pipeline.gateways.map((gateway) => gateway.spec.port));
    const url = `http://127.0.0.1:${balancer.port}/webhooks/allo`;
    const traffic = startTraffic(url, pipeline.secret, smallHistory(808, 1.5), {
      ratePerSecond: 60,
      seed: 808,
    });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(traffic.finished).toBe(false);
    const servedBefore = new Map(balancer.served);
    const killedAt = Date.now();
    await Promise.all([
      pipeline.gateways[0]!.kill(),
      ...PROJECTION_NAMES.map((p) => pipeline!.projectors[p][0]!.kill()),
    ]);
    const appliedAgain = await Promise.all(
      PROJECTION_NAMES.map((projection) => everyPartitionAppliedAfter(pipeline!, projection, killedAt)),
    );
    const recovered = appliedAgain.map((at) => secondsBetween(killedAt, at));
    await traffic.done;
    const result = await finishScenario(pipeline, traffic, {
      startedAt,
      recoverSeconds: recovered.every((s) => s !== null) ? Math.max(...recovered.map(Number)) : null,
      note: `gateways served ${[...balancer.served.values()].join('/')}; one gateway and one of each projector killed`,
    });

    // Both gateways served before the kill, the survivor after it; both projector instances worked.
    const [first, second] = pipeline.gateways.map((gateway) => gateway.spec.port);
    expect([servedBefore.get(first!) ?? 0, servedBefore.get(second!) ?? 0].every((n) => n > 0)).toBe(true);
    expect((balancer.served.get(second!) ?? 0) - (servedBefore.get(second!) ?? 0)).toBeGreaterThan(100);
    expect(recovered.every((s) => s !== null)).toBe(true);
    expect(pipeline.allProjectors().map((p) => p.exits.length)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
  }, 300_000);
});
