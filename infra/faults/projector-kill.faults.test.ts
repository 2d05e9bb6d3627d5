import { afterAll, describe, expect, it } from '@jest/globals';
import { PROJECTION_NAMES, type ProjectionName } from '@allo-pipeline/read-models';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { appliedAgainAfter, projectionLag } from './harness/projection-progress.js';
import { CLEAN_VERDICT, finishScenario, secondsBetween, verdict } from './harness/scenario.js';
import { smallHistory, startTraffic } from './harness/traffic.js';

// Scenario 2: each projector SIGKILLed mid-batch (while it has records of the raw topic in hand)
// three times, started again at once. Rows and offsets commit in one transaction, so a batch
// killed half-applied is applied again whole, never twice.
const KILLS_EACH = 3;

describe('fault: SIGKILL each projector mid-batch, repeatedly', () => {
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => pipeline?.dispose(), 60_000);

  it('loses and duplicates nothing acknowledged', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'projector-kill' });
    await pipeline.start();
    const events = smallHistory(202, 1.6);
    const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, events, {
      ratePerSecond: 60,
      seed: 202,
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const lagAtKill: Record<ProjectionName, number[]> = { calls: [], messages: [], contacts: [] };
    const recovered: Array<number | null> = [];
    // One round kills the three projectors at once (independent groups), so the rounds fit in
    // the load's duration; each restart waits out the killed member's 6 s session.
    for (let round = 0; round < KILLS_EACH; round++) {
      expect(traffic.finished).toBe(false);
      await Promise.all(
        PROJECTION_NAMES.map(async (projection) => {
          const projector = pipeline!.projectors[projection][0]!;
          lagAtKill[projection].push(await projectionLag(pipeline!, projection));
          const killedAt = Date.now();
          await projector.kill();
          projector.start();
          await projector.waitReady();
          recovered.push(secondsBetween(killedAt, await appliedAgainAfter(pipeline!, projection, killedAt)));
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const recoverSeconds = Math.max(...recovered.map((s) => s ?? Infinity));
    const result = await finishScenario(pipeline, traffic, {
      startedAt,
      recoverSeconds: Number.isFinite(recoverSeconds) ? recoverSeconds : null,
      note: `${KILLS_EACH} kills each, ${
        Object.values(lagAtKill)
          .flat()
          .filter((lag) => lag > 0).length
      } with records in hand`,
    });
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
    expect(recovered.every((s) => s !== null)).toBe(true);
    for (const projection of PROJECTION_NAMES) {
      expect(pipeline.projectors[projection][0]!.exits).toEqual(Array(KILLS_EACH).fill('SIGKILL'));
      // Killed with work in hand at least once each (else the kill did not hit a batch).
      expect([projection, lagAtKill[projection].some((lag) => lag > 0)]).toEqual([projection, true]);
    }
  }, 300_000);
});
