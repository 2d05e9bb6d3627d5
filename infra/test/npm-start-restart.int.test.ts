import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateHistory } from '@allo-pipeline/allo-simulator';
import { PROJECTION_NAMES } from '@allo-pipeline/read-models';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { runCommand } from '../src/process-control.js';
import { PipelineUnderTest, RAW_TOPIC, REPO_ROOT } from './pipeline-under-test.js';
import { deliver, expectedEntities, readRawWebhookIds, waitUntilProjected } from './pipeline-probes.js';
import { query } from './private-stack.js';

// `npm start` keeps everything across a Ctrl-C and a start on the same state folder: the raw log,
// the read models, the registry's schemas (a rebuild decodes the old records again). Run on the
// embedded Postgres and on an external DATABASE_URL (a fresh database on the shared test stack).

type Row = Record<string, unknown>;
type Rows = Record<'calls' | 'call_tags' | 'messages' | 'contacts', Row[]>;

/** Each public read model and its primary key, which orders its rows. */
const READ_MODELS: Record<keyof Rows, string> = {
  calls: 'call_id',
  call_tags: 'call_id, tag',
  messages: 'message_id',
  contacts: 'contact_id',
};

async function readModelRows(databaseUrl: string): Promise<Rows> {
  const entries = await Promise.all(
    Object.entries(READ_MODELS).map(async ([table, key]) => [
      table,
      await query<Row>(databaseUrl, `select * from read_model.${table} order by ${key}`),
    ]),
  );
  return Object.fromEntries(entries) as Rows;
}

async function liveVersions(databaseUrl: string): Promise<Record<string, number>> {
  const rows = await query<{ projection: string; live_version: number }>(
    databaseUrl,
    'select projection, live_version from read_model.projections order by projection',
  );
  return Object.fromEntries(rows.map((row) => [row.projection, row.live_version]));
}

/** `npm run cli -- <args>` against the run's stack, every endpoint passed explicitly. */
function runCli(pipeline: PipelineUnderTest, args: string[]): Promise<{ code: number; output: string }> {
  const { kafkaBrokers, schemaRegistryUrl, databaseUrl } = pipeline.endpoints;
  return runCommand('npm', ['run', 'cli', '--', ...args], {
    cwd: REPO_ROOT,
    env: {
      ...pipeline.env,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers,
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      RAW_TOPIC,
    },
  });
}

interface Phase {
  readonly phase: string;
  readonly raw: number;
  readonly calls: number;
  readonly messages: number;
  readonly contacts: number;
}

function formatPhases(title: string, phases: readonly Phase[]): string {
  const header = ['phase', 'raw records', 'calls', 'messages', 'contacts'];
  const lines = phases.map((p) => [p.phase, p.raw, p.calls, p.messages, p.contacts].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
  return `\n${title}\n${[format(header), ...lines.map(format)].join('\n')}\n\n`;
}

const CASES = [
  { database: 'the embedded Postgres', external: false },
  { database: 'an external DATABASE_URL', external: true },
];

describe.each(CASES)(
  'npm start stopped with Ctrl-C and started again, on $database',
  ({ database, external }) => {
    let pipeline: PipelineUnderTest;
    let externalDb: TestDatabase<unknown> | undefined;
    const acked = new Map<string, string>();
    const phases: Phase[] = [];
    let before: Rows;
    let credentials: string;
    let beforeRebuild: Rows;

    const record = async (phase: string): Promise<Rows> => {
      const rows = await readModelRows(pipeline.endpoints.databaseUrl);
      const raw = (await readRawWebhookIds(pipeline.kafka())).length;
      phases.push({
        phase,
        raw,
        calls: rows.calls.length,
        messages: rows.messages.length,
        contacts: rows.contacts.length,
      });
      return rows;
    };

    /** Delivers a new history (startAt now), expects every event acknowledged, waits until it is projected. */
    const deliverHistory = async (seed: number, counts: { calls: number; sms: number; contacts: number }) => {
      const events = generateHistory({
        seed,
        calls: counts.calls,
        smsConversations: counts.sms,
        contacts: counts.contacts,
        startAt: new Date(),
      });
      const delivery = await deliver(pipeline, events, { concurrency: 8, seed });
      for (const [id, body] of delivery.acked) acked.set(id, body);
      expect(delivery.report).toMatchObject({ acknowledged: events.length, failed: 0 });
      await waitUntilProjected(pipeline);
    };

    beforeAll(async () => {
      externalDb = external ? await createTestDatabase('npm_start_restart') : undefined;
      pipeline = await PipelineUnderTest.create({ databaseUrl: externalDb?.url });
    });

    afterAll(async () => {
      process.stdout.write(formatPhases(`npm start restart, on ${database}:`, phases));
      await pipeline?.dispose();
      await externalDb?.drop();
    }, 90_000);

    it('projects histories delivered through the gateway, every event acknowledged', async () => {
      await pipeline.start();
      await pipeline.explained(() => deliverHistory(101, { calls: 10, sms: 10, contacts: 5 }));

      before = await record('before restart');
      credentials = `${pipeline.webhookSecret().key.toString('base64')} ${pipeline.apiToken()}`;
      const expected = expectedEntities(acked.values());
      expect(before.calls.map((row) => row.call_id)).toEqual([...expected.calls].sort());
      expect(before.messages.map((row) => row.message_id)).toEqual([...expected.messages].sort());
      expect(before.contacts.map((row) => row.contact_id)).toEqual([...expected.contacts].sort());
      expect(before.call_tags.length).toBeGreaterThan(0);
    }, 200_000);

    it('stops on SIGINT to its process group, the gateway first, and leaves no process or port', async () => {
      const stopped = await pipeline.stop();

      expect(stopped.stackStopped).toEqual(
        external ? ['kafka', 'registry'] : ['kafka', 'postgres', 'registry'],
      );
      const stopLine = (name: string): number =>
        stopped.output.findIndex((line) => line.startsWith(`allo-pipeline: ${name} stopped`));
      const others = ['projector-calls', 'projector-messages', 'projector-contacts', 'query-api'].map(
        stopLine,
      );
      expect(others.every((index) => index > stopLine('gateway'))).toBe(true);
      expect(stopLine('gateway')).toBeGreaterThanOrEqual(0);
    }, 120_000);

    it('started again on the same folder, serves every call, message and contact and keeps every record and row', async () => {
      await pipeline.start();
      const expected = expectedEntities(acked.values());

      // The development credentials were kept, not generated anew.
      expect(`${pipeline.webhookSecret().key.toString('base64')} ${pipeline.apiToken()}`).toBe(credentials);

      await pipeline.explained(async () => {
        for (const id of expected.calls)
          expect(await pipeline.api(`/v1/calls/${id}`)).toMatchObject({ status: 200, body: { id } });
        for (const id of expected.contacts)
          expect(await pipeline.api(`/v1/contacts/${id}`)).toMatchObject({ status: 200, body: { id } });
        const messages = await pipeline.api<{ data: Array<{ id: string }> }>('/v1/messages?limit=500');
        expect(messages.body.data.map(({ id }) => id).sort()).toEqual([...expected.messages].sort());
        expect(new Set(await readRawWebhookIds(pipeline.kafka()))).toEqual(new Set(acked.keys()));
        expect(await readModelRows(pipeline.endpoints.databaseUrl)).toEqual(before);
      });
      await record('after restart');
    }, 200_000);

    it('projects new events delivered after the restart', async () => {
      const known = acked.size;
      await pipeline.explained(() => deliverHistory(202, { calls: 5, sms: 5, contacts: 3 }));

      beforeRebuild = await record('after new events');
      expect(acked.size).toBeGreaterThan(known);
      const expected = expectedEntities(acked.values());
      expect(beforeRebuild.calls.map((row) => row.call_id)).toEqual([...expected.calls].sort());
      expect(beforeRebuild.messages.map((row) => row.message_id)).toEqual([...expected.messages].sort());
      expect(beforeRebuild.contacts.map((row) => row.contact_id)).toEqual([...expected.contacts].sort());
      expect(beforeRebuild.calls).toEqual(expect.arrayContaining(before.calls));
    }, 120_000);

    it('rebuilds every projection with npm run cli into a new generation with the same rows', async () => {
      const versions = await liveVersions(pipeline.endpoints.databaseUrl);
      // At once: each rebuild holds its own projection's lock, and the file stays fast.
      const rebuilds = await Promise.all(
        PROJECTION_NAMES.map(async (projection) => ({
          projection,
          ...(await runCli(pipeline, ['rebuild', projection])),
        })),
      );
      for (const rebuild of rebuilds)
        expect(rebuild).toMatchObject({ projection: rebuild.projection, code: 0 });
      await waitUntilProjected(pipeline);

      const rebuilt = await liveVersions(pipeline.endpoints.databaseUrl);
      for (const projection of PROJECTION_NAMES)
        expect(rebuilt[projection]).toBe((versions[projection] ?? 0) + 1);
      expect(await record('after rebuild')).toEqual(beforeRebuild);
      expect(phases.at(-1)?.raw).toBe(phases.at(-2)?.raw);
    }, 180_000);

    it('stops again at the end, leaving nothing behind', async () => {
      const stopped = await pipeline.stop();

      expect(stopped.stackStopped).toEqual(
        external ? ['kafka', 'registry'] : ['kafka', 'postgres', 'registry'],
      );
    }, 120_000);
  },
);
