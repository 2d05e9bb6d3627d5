import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitUntil } from '@allo-pipeline/projection-runtime';
import { PipelineUnderTest } from './pipeline-under-test.js';

// A first run as a new user makes it: `npm start -- --demo` on a new state folder. The demo's
// traffic fills the read models within a minute of "up", the console holds no error and no
// warning on a normal start, "up" comes only after the services are ready, and Ctrl-C stops it
// all (the harness checks that no process, process group or port is left).

type ListPage = { data: Array<{ id: string }> };

describe('npm start -- --demo', () => {
  let pipeline: PipelineUnderTest;
  beforeAll(async () => {
    pipeline = await PipelineUnderTest.create();
    await pipeline.start(180_000, ['--demo', '--demo-rate', '10']);
  }, 200_000);
  afterAll(() => pipeline.dispose(), 60_000);

  it('serves calls, messages and contacts from the demo within 60 s of "up"', async () => {
    await pipeline.explained(async () => {
      await waitUntil(
        'the demo starts',
        () => Promise.resolve(pipeline.output().some((line) => line.startsWith('Demo: '))),
        30_000,
      );
      const startedAt = Date.now();
      for (const resource of ['calls', 'messages', 'contacts']) {
        await waitUntil(
          `the query API serves ${resource}`,
          async () => {
            const page = await pipeline.api<ListPage>(`/v1/${resource}?limit=1`);
            return page.status === 200 && page.body.data.length > 0;
          },
          60_000 - (Date.now() - startedAt),
        );
      }
    });
  }, 90_000);

  it('says "up" only once every service is ready, with no error or warning on the way', () => {
    const lines = pipeline.output();
    const up = lines.findIndex((line) => line.startsWith('allo-pipeline is up'));
    expect(up).toBeGreaterThan(-1);
    const listening = lines.findIndex((line) => line.includes('"msg":"gateway listening"'));
    expect(listening).toBeGreaterThan(-1);
    expect(listening).toBeLessThan(up);
    // Not a terminal: the services' lines are their pino JSON, unchanged.
    const logged = lines
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as { level: number; name?: string; msg: string; err?: { message?: string } },
      );
    expect(logged.length).toBeGreaterThan(10);
    // Which service said what, and why: enough to act on when this fails on CI.
    const warnings = logged
      .filter((entry) => entry.level >= 40)
      .map(({ name, msg, err }) => [name, msg, err?.message].filter(Boolean).join(': '));
    expect(warnings).toEqual([]);
  });

  it('stops cleanly on Ctrl-C, the demo first', async () => {
    const { output } = await pipeline.stop();
    const demoStopped = output.findIndex((line) => /demo stopped/.test(line));
    const projectorStopped = output.findIndex((line) => /projector-calls stopped/.test(line));
    expect(demoStopped).toBeGreaterThan(-1);
    expect(demoStopped).toBeLessThan(projectorStopped);
  }, 100_000);
});
