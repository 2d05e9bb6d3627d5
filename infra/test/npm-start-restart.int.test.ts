import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { deliverEvents, generateHistory } from '@allo-pipeline/allo-simulator';
import { waitUntil } from '@allo-pipeline/projection-runtime';
import { PROJECTION_NAMES, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { parseSecret } from '@allo-pipeline/webhook-signature';
import type { Kysely } from 'kysely';
import { repoRoot } from '../src/stack-config.js';
import {
  allProjected,
  connectClients,
  installationEnv,
  newInstallation,
  portsStillOpen,
  rawWebhookIds,
  removeInstallation,
  RunningPipeline,
  url,
  type Installation,
} from './running-pipeline.js';

// Issue 10's restart test: what `npm start` served before a Ctrl-C it serves after the next
// `npm start`, with the embedded Postgres and with an external DATABASE_URL. The raw log keeps
// every acknowledged record, new events are projected, and a rebuild yields the same rows.

const run = promisify(execFile);

interface Snapshot {
  readonly raw: number;
  readonly calls: unknown[];
  readonly callTags: unknown[];
  readonly messages: unknown[];
  readonly contacts: unknown[];
}

async function snapshot(db: Kysely<ReadModelDatabase>, raw: number): Promise<Snapshot> {
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows;
  return {
    raw,
    calls: await rows(sql`select * from read_model.calls order by call_id`),
    callTags: await rows(sql`select * from read_model.call_tags order by call_id, tag`),
    messages: await rows(sql`select * from read_model.messages order by message_id`),
    contacts: await rows(sql`select * from read_model.contacts order by contact_id`),
  };
}

function line(phase: string, s: Snapshot): string {
  return `  ${phase.padEnd(22)} ${String(s.raw).padStart(11)} ${String(s.calls.length).padStart(6)} ${String(s.messages.length).padStart(9)} ${String(s.contacts.length).padStart(9)}`;
}

async function deliver(installation: Installation, seed: number, startAt: Date): Promise<string[]> {
  const events = generateHistory({ seed, calls: 10, smsConversations: 10, contacts: 5, startAt });
  const acked: string[] = [];
  const report = await deliverEvents(events, {
    url: url(installation, 'GATEWAY_PORT', '/webhooks/allo'),
    secret: parseSecret(installation.secret, 'ALLO_WEBHOOK_SECRET'),
    concurrency: 8,
    timeScale: 0.001,
    seed,
    onAck: (event) => acked.push(event.id),
  });
  expect(report.failed).toBe(0);
  return acked;
}

async function get(installation: Installation, path: string): Promise<number> {
  const response = await fetch(url(installation, 'API_PORT', path), {
    headers: { authorization: `Bearer ${installation.token}` },
  });
  return response.status;
}

async function rebuildAll(installation: Installation): Promise<void> {
  const env = {
    ...installationEnv(installation),
    DATABASE_URL:
      installation.externalDatabaseUrl ??
      `postgres://postgres:allo-local@127.0.0.1:${installation.ports.POSTGRES_PORT}/postgres`,
    KAFKA_BROKERS: `127.0.0.1:${installation.ports.KAFKA_PORT}`,
    SCHEMA_REGISTRY_URL: `http://127.0.0.1:${installation.ports.SCHEMA_REGISTRY_PORT}/apis/ccompat/v7`,
  };
  for (const projection of PROJECTION_NAMES) {
    await run(process.execPath, ['packages/cli/dist/main.js', 'rebuild', projection], {
      cwd: repoRoot(),
      env,
    });
  }
}

describe.each([
  ['the embedded Postgres', false],
  ['an external DATABASE_URL', true],
])('npm start restarted with %s', (_label, external) => {
  let database: TestDatabase<ReadModelDatabase> | undefined;
  let installation: Installation | undefined;
  let pipeline: RunningPipeline | undefined;

  afterAll(async () => {
    await pipeline?.stop().catch(() => undefined);
    if (installation) removeInstallation(installation);
    await database?.drop();
  }, 120_000);

  it('serves everything it served before a Ctrl-C, projects new events and rebuilds to the same rows', async () => {
    database = external ? await createTestDatabase<ReadModelDatabase>('e2e_restart') : undefined;
    installation = await newInstallation(database?.url);
    pipeline = await RunningPipeline.start(installation);
    let clients = await connectClients(installation);
    const acked = await deliver(installation, 7, new Date());
    await waitUntil('the first histories to be projected', () => allProjected(clients), 60_000);
    const before = await snapshot(clients.db, (await rawWebhookIds(clients)).length);
    await clients.close();

    expect(await pipeline.stop()).toMatch(
      /^allo-pipeline: services stopped; stack servers stopped: kafka, registry/,
    );
    expect(await portsStillOpen(installation)).toEqual([]);
    pipeline = await RunningPipeline.start(installation);
    clients = await connectClients(installation);
    try {
      await waitUntil(
        'the projections to be verified after the restart',
        () => allProjected(clients),
        60_000,
      );
      const raw = await rawWebhookIds(clients);
      const after = await snapshot(clients.db, raw.length);
      expect(acked.filter((id) => !raw.includes(id))).toEqual([]);
      expect(after).toEqual(before);
      const served = await Promise.all([
        ...before.calls.map((c) => get(installation!, `/v1/calls/${(c as { call_id: string }).call_id}`)),
        ...before.contacts.map((c) =>
          get(installation!, `/v1/contacts/${(c as { contact_id: string }).contact_id}`),
        ),
      ]);
      expect(served.every((status) => status === 200)).toBe(true);
      expect(await get(installation, '/v1/messages?limit=500')).toBe(200);

      await deliver(installation, 8, new Date(Date.now() + 3_600_000));
      await waitUntil('the new histories to be projected', () => allProjected(clients), 60_000);
      const withNew = await snapshot(clients.db, (await rawWebhookIds(clients)).length);
      expect(withNew.calls.length).toBeGreaterThan(before.calls.length);
      expect(withNew.messages.length).toBeGreaterThan(before.messages.length);

      await rebuildAll(installation);
      await waitUntil(
        'the live projectors to follow the rebuilt generations',
        () => allProjected(clients),
        60_000,
      );
      const rebuilt = await snapshot(clients.db, withNew.raw);
      expect(rebuilt).toEqual(withNew);
      process.stdout.write(
        [
          `\nrestart with ${_label}:`,
          '  phase                  raw records  calls  messages  contacts',
          line('before restart', before),
          line('after restart', after),
          line('after new events', withNew),
          line('after rebuild', rebuilt),
          '',
        ].join('\n'),
      );
    } finally {
      await clients.close();
    }
    expect(await pipeline.stop()).toMatch(
      /^allo-pipeline: services stopped; stack servers stopped: kafka, registry/,
    );
    expect(await portsStillOpen(installation)).toEqual([]);
    pipeline = undefined;
  }, 420_000);
});
