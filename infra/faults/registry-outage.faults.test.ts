import { afterAll, describe, expect, it } from '@jest/globals';
import { FaultPipeline } from './harness/fault-pipeline.js';
import { CLEAN_VERDICT, finishScenario, secondsBetween, verdict } from './harness/scenario.js';
import { startServer, stopServer } from './harness/stack-control.js';
import { probeEvents, smallHistory, startStatusProbe, startTraffic } from './harness/traffic.js';

// Scenario 5: the schema registry unavailable when the gateway starts, and again mid-run.
// At start the gateway cannot register the raw schema, so it cannot encode: it must not serve
// (its start-up keeps retrying the registration, or fails with exit 1 and is restarted as the
// supervisor does) and nothing is acknowledged.
// Mid-run it encodes with the schema id it registered at start, so acknowledging stays correct;
// its /readyz must say the registry is unreachable. A projector restarted while the registry is
// down cannot fetch the schema to decode: it must wait, not dead-letter or skip.
const DOWN_FOR_MS = 8_000;
// The gateway retries registering the schema for ~7 s before its start-up fails.
const DOWN_AT_START_MS = 12_000;

describe('fault: the registry unavailable at gateway start and mid-run', () => {
  let pipeline: FaultPipeline | undefined;
  afterAll(async () => {
    await startServer('registry');
    await pipeline?.dispose();
  }, 120_000);

  it('acknowledges nothing it cannot encode, reports it on /readyz, and loses nothing', async () => {
    const startedAt = Date.now();
    pipeline = await FaultPipeline.create({ scenario: 'registry-outage', restartOnFailure: true });
    const gateway = pipeline.gateways[0]!;

    // At start: the registry down before the gateway starts.
    await stopServer('registry');
    gateway.start();
    const probe = startStatusProbe(pipeline.webhookUrl(), pipeline.secret, probeEvents(505, 300), {
      pauseMs: 200,
    });
    await new Promise((resolve) => setTimeout(resolve, DOWN_AT_START_MS));
    const readyzAtStart = await gateway.readiness();
    const upAt = Date.now();
    const acksBeforeRegistry = probe.acked.size;
    await startServer('registry');
    const registryBackAt = Date.now();
    await gateway.waitReady(90_000);
    const servingAt = Date.now();
    for (const projector of pipeline.allProjectors()) projector.start();
    await Promise.all(pipeline.allProjectors().map((projector) => projector.waitReady()));

    // Mid-run: the registry stopped under load; a projector killed and restarted meanwhile.
    const traffic = startTraffic(pipeline.webhookUrl(), pipeline.secret, smallHistory(515, 1.2), {
      ratePerSecond: 50,
      seed: 515,
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stopServer('registry');
    const midDownAt = Date.now();
    const calls = pipeline.projectors.calls[0]!;
    await calls.kill();
    calls.start();
    await new Promise((resolve) => setTimeout(resolve, DOWN_FOR_MS));
    const readyzMidRun = await gateway.readiness();
    const midUpAt = Date.now();
    const ackedMidRun = [...traffic.ackedAt.values()].filter((at) => at > midDownAt && at < midUpAt).length;
    await startServer('registry');
    await calls.waitReady(90_000);

    const result = await finishScenario(pipeline, traffic, {
      startedAt,
      probe,
      recoverSeconds: secondsBetween(registryBackAt, servingAt),
      note: `gateway not serving while down (its start-up retries registering for ~13 s, then exits 1); mid-run ${ackedMidRun} acknowledged (cached schema id), /readyz ${readyzMidRun?.status}`,
    });

    // At start: never acknowledged, never ready, restarted after failed start-ups.
    expect(probe.attempts.filter((a) => a.endedAt < upAt && a.status >= 200 && a.status < 300)).toEqual([]);
    expect(acksBeforeRegistry).toBe(0);
    expect(readyzAtStart?.status ?? 'no answer').not.toBe(200);
    // Not serving at all: every probe attempt before the registry came back found no gateway.
    expect(probe.attempts.filter((a) => a.endedAt < upAt).map((a) => a.status)).not.toContain(503);
    expect(gateway.exits.every((code) => code === '1')).toBe(true);
    // Mid-run: /readyz says the registry is unreachable.
    expect(readyzMidRun?.status).toBe(503);
    expect(readyzMidRun?.body).toMatch(/registry/i);
    expect(verdict(result)).toEqual(CLEAN_VERDICT);
  }, 300_000);
});
