import { afterAll, describe, expect, it } from '@jest/globals';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { CLEAN_VERDICT, finishScenario, verdict } from './harness/scenario.js';
import { smallHistory, startTraffic } from './harness/traffic.js';

// Scenario 6: 20% of deliveries sent twice (same webhook-id and body) and the send order shuffled
// within a window, as Allo's at-least-once delivery allows. The raw log holds the duplicates;
// each read model applies every event once, whatever the order.
describe('fault: 20% of deliveries duplicated and reordered within a window', () => {
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => pipeline?.dispose(), 60_000);

  it('applies each acknowledged event exactly once', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'duplicates-reorder' });
    await pipeline.start();
    const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, smallHistory(606, 1.5), {
      ratePerSecond: 120,
      duplicateRate: 0.2,
      reorderWindow: 16,
      seed: 606,
    });
    const result = await finishScenario(pipeline, traffic, {
      startedAt,
      recoverSeconds: null,
      note: `${traffic.events.length} events, ${(await traffic.done).duplicatesAcknowledged} duplicates acknowledged, window 16`,
    });
    // The duplicates were really sent and acknowledged (about 20% of the events).
    expect(result.report.duplicatesAcknowledged).toBeGreaterThan(result.report.events * 0.15);
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
  }, 300_000);
});
