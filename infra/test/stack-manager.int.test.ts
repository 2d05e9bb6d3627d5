import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DatabaseUnreachableError,
  KAFKA_VERSION,
  PortInUseError,
  readStackConfig,
  schemaRegistryUrl,
  stackDown,
  stackEndpoints,
  stackReset,
  stackStatus,
  stackUp,
  StackVersionError,
} from '../src/index.js';
import type { ServiceName, StackOptions } from '../src/index.js';
import { dataVersionFile, readDataVersion } from '../src/data-version.js';
import { developmentApiToken, developmentWebhookSecret } from '../src/dev-credentials.js';
import { isPortAnswering, isProcessAlive } from '../src/process-control.js';
import { readServiceRecord, writeServiceRecord } from '../src/state-store.js';
import {
  freePort,
  privateEnv,
  produceOne,
  query,
  readFirst,
  registerSchema,
  schemaById,
} from './private-stack.js';

// A second, private stack (own state folder, own free ports) beside the shared one the other
// tests use, which this file never stops or reuses. The tests run in order and share its data.
const stateDir = mkdtempSync(join(tmpdir(), 'allo-stack-test-'));
const suffix = randomUUID().slice(0, 8);
const topic = `durable-${suffix}`;
const subject = `durable-${suffix}-value`;
const probeSchema = { type: 'object', title: `probe-${suffix}`, properties: { id: { type: 'string' } } };
let env: NodeJS.ProcessEnv;
let options: StackOptions;
let urls: { brokers: string; registry: string; database: string };
const written = { offset: '', schemaId: 0 };

const path = (...parts: string[]): string => join(stateDir, ...parts);
const portsOf = (names: string[]): Promise<boolean[]> =>
  Promise.all(names.map((name) => isPortAnswering(Number(env[name]))));
const ALL_PORTS = ['KAFKA_PORT', 'KAFKA_CONTROLLER_PORT', 'SCHEMA_REGISTRY_PORT', 'POSTGRES_PORT'];

/** A confirm function that keeps the listing it is shown and gives `answer`. */
function answering(answer: boolean): { confirm: (listing: string) => Promise<boolean>; shown: () => string } {
  let shown = '';
  const confirm = (listing: string): Promise<boolean> => {
    shown = listing;
    return Promise.resolve(answer);
  };
  return { confirm, shown: () => shown };
}

async function expectDataKept(): Promise<void> {
  const rows = await query<{ note: string }>(urls.database, 'SELECT note FROM durable_probe WHERE id = $1', [
    suffix,
  ]);
  expect(await readFirst(urls.brokers, topic)).toEqual({
    offset: written.offset,
    value: `webhook ${suffix}`,
  });
  expect(rows).toEqual([{ note: 'kept' }]);
  expect(await schemaById(urls.registry, written.schemaId)).toContain(`probe-${suffix}`);
}

beforeAll(async () => {
  env = await privateEnv();
  options = { stateDir, env };
  const endpoints = stackEndpoints(readStackConfig(options));
  urls = {
    brokers: endpoints.kafkaBrokers,
    registry: schemaRegistryUrl(Number(env.SCHEMA_REGISTRY_PORT)),
    database: endpoints.databaseUrl,
  };
});

afterAll(async () => {
  await stackDown(options);
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('local stack manager', () => {
  it('starts once (the registry after Postgres), reuses on a second up, and down stops but keeps the data', async () => {
    const first = await stackUp(options);
    const second = await stackUp(options);
    written.offset = await produceOne(urls.brokers, topic, `webhook ${suffix}`);
    await query(urls.database, 'CREATE TABLE durable_probe (id text PRIMARY KEY, note text)');
    await query(urls.database, "INSERT INTO durable_probe VALUES ($1, 'kept')", [suffix]);
    written.schemaId = await registerSchema(urls.registry, subject, probeSchema);
    const pids = (await stackStatus(options)).flatMap((entry) => (entry.pid ? [entry.pid] : []));
    const { stopped } = await stackDown(options);

    expect(first.started.sort()).toEqual(['kafka', 'postgres', 'registry']);
    expect(second).toMatchObject({ started: [], external: [] });
    expect(second.reused.sort()).toEqual(['kafka', 'postgres', 'registry']);
    expect(pids).toHaveLength(3);
    expect(stopped.sort()).toEqual(['kafka', 'postgres', 'registry']);
    expect(pids.map(isProcessAlive)).toEqual([false, false, false]);
    expect(await portsOf(ALL_PORTS)).toEqual([false, false, false, false]);
    expect(
      ['kafka/data/meta.properties', 'postgres/data/PG_VERSION'].map((p) => existsSync(path(p))),
    ).toEqual([true, true]);
    expect(readDataVersion(stateDir, 'kafka')).toBe(KAFKA_VERSION);
  }, 150_000);

  it('refuses a port taken by another process, naming the port and its variable', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(env.POSTGRES_PORT), '127.0.0.1', resolve));
    try {
      const attempt = stackUp({ ...options, services: ['postgres'] });

      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`port ${env.POSTGRES_PORT} is already in use`);
      await expect(attempt).rejects.toThrow('POSTGRES_PORT=<port>');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 30_000);

  it('refuses an unreachable DATABASE_URL, naming it, instead of starting the embedded Postgres', async () => {
    const unreachable = `postgres://app:hunter2@127.0.0.1:${await freePort()}/app`;
    const withUrl = { stateDir, env: { ...env, DATABASE_URL: unreachable } };

    for (const services of [['postgres'], ['registry']] satisfies ServiceName[][]) {
      const attempt = stackUp({ ...withUrl, services });
      await expect(attempt).rejects.toBeInstanceOf(DatabaseUnreachableError);
      await expect(attempt).rejects.toThrow(
        /^DATABASE_URL names 127\.0\.0\.1:\d+\/app, which does not accept/,
      );
      await expect(attempt).rejects.toThrow(
        /fix DATABASE_URL, or unset DATABASE_URL to use the embedded Postgres/,
      );
      await expect(attempt).rejects.not.toThrow(/hunter2/);
    }
    expect(readServiceRecord(stateDir, 'postgres')).toBeUndefined();
    expect(await portsOf(['POSTGRES_PORT', 'SCHEMA_REGISTRY_PORT'])).toEqual([false, false]);
  }, 30_000);

  it('uses a reachable DATABASE_URL instead of starting Postgres; down and reset leave that server alone', async () => {
    const externalUrl = process.env.DATABASE_URL ?? '';
    const withUrl = { stateDir, env: { ...env, DATABASE_URL: externalUrl } };
    const external = new URL(externalUrl);
    const declining = answering(false);

    const result = await stackUp({ ...withUrl, services: ['postgres'] });
    const { stopped } = await stackDown({ ...withUrl, services: ['postgres'] });
    const reset = await stackReset({
      ...withUrl,
      services: ['postgres', 'registry'],
      confirm: declining.confirm,
    });
    const shown = declining.shown();

    expect(result).toMatchObject({ started: [], reused: [], external: ['postgres'] });
    expect(result.endpoints.databaseUrl).toBe(externalUrl);
    expect(stopped).toEqual([]);
    expect(reset.outcome).toBe('declined');
    expect(shown).toContain(
      `the DATABASE_URL server (${external.host}${external.pathname}) is never touched by reset`,
    );
    expect(shown).toContain(`${path('postgres')} (data, password)`);
    expect(await isPortAnswering(Number(external.port || 5432), external.hostname)).toBe(true);
  }, 30_000);

  it('up after down serves the same Kafka record at its offset, the Postgres row and the schema id', async () => {
    const result = await stackUp(options);

    expect(result.started.sort()).toEqual(['kafka', 'postgres', 'registry']);
    await expectDataKept();
  }, 120_000);

  it('does not reuse a registry whose schemas live elsewhere than the stack now says', async () => {
    const record = readServiceRecord(stateDir, 'registry');
    const elsewhere = `${urls.database}?sslmode=disable`; // another JDBC URL for the same server
    try {
      const moved = stackUp({ stateDir, env: { ...env, DATABASE_URL: elsewhere }, services: ['registry'] });
      await expect(moved).rejects.toThrow(
        /registry: already running .* with its data in jdbc:postgresql:\/\/127/,
      );
      if (record) writeServiceRecord(stateDir, { ...record, storage: undefined });
      const older = stackUp({ ...options, services: ['registry'] });
      await expect(older).rejects.toThrow(
        'with its data in memory (started by an older version of the stack)',
      );
    } finally {
      if (record) writeServiceRecord(stateDir, record);
    }
  }, 30_000);

  it('after a crash or reboot (dead or recycled pids in the records) starts the servers again on their data', async () => {
    for (const service of ['registry', 'kafka', 'postgres'] as const) {
      const record = readServiceRecord(stateDir, service);
      if (record) process.kill(-record.pid, 'SIGKILL');
      // A recycled pid: alive, but not our server.
      if (record) writeServiceRecord(stateDir, { ...record, pid: process.pid });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const postmasterPid = path('postgres/data/postmaster.pid');
    writeFileSync(postmasterPid, readFileSync(postmasterPid, 'utf8').replace(/^\d+/, String(process.pid)));
    const progress: string[] = [];

    const result = await stackUp({ ...options, onProgress: (line) => progress.push(line) });

    expect(result.started.sort()).toEqual(['kafka', 'postgres', 'registry']);
    expect(progress).toContainEqual(expect.stringContaining('postgres: removed a stale postmaster.pid'));
    await expectDataKept();
  }, 120_000);
});

describe('pinned-version changes', () => {
  it('refuses a Kafka downgrade, and upgrades older data in place', async () => {
    await stackDown({ ...options, services: ['kafka'] });
    writeFileSync(dataVersionFile(stateDir, 'kafka'), JSON.stringify({ version: '99.0.0' }));
    const downgrade = stackUp({ ...options, services: ['kafka'] });
    await expect(downgrade).rejects.toBeInstanceOf(StackVersionError);
    await expect(downgrade).rejects.toThrow(
      `last run by version 99.0.0, but the stack now pins ${KAFKA_VERSION}`,
    );

    writeFileSync(dataVersionFile(stateDir, 'kafka'), JSON.stringify({ version: '4.3.0' }));
    const progress: string[] = [];
    await stackUp({ ...options, services: ['kafka'], onProgress: (line) => progress.push(line) });

    expect(progress).toContain(`kafka: data written by 4.3.0, now ${KAFKA_VERSION}: upgrading in place`);
    expect(readDataVersion(stateDir, 'kafka')).toBe(KAFKA_VERSION);
    expect((await readFirst(urls.brokers, topic)).offset).toBe(written.offset);
  }, 90_000);

  it('refuses a registry downgrade and a Postgres data folder of another major', async () => {
    const recorded = readFileSync(dataVersionFile(stateDir, 'registry'), 'utf8');
    await stackDown({ ...options, services: ['registry', 'postgres'] });
    writeFileSync(dataVersionFile(stateDir, 'registry'), JSON.stringify({ version: '99.0.0' }));
    const pgVersionFile = path('postgres/data/PG_VERSION');
    const pgVersion = readFileSync(pgVersionFile, 'utf8');
    writeFileSync(pgVersionFile, '17\n');
    try {
      const postgres = stackUp({ ...options, services: ['postgres'] });
      await expect(postgres).rejects.toBeInstanceOf(StackVersionError);
      await expect(postgres).rejects.toThrow(/created by PostgreSQL 17, but .* provides PostgreSQL 18/);
    } finally {
      writeFileSync(pgVersionFile, pgVersion);
    }
    const registry = stackUp({ ...options, services: ['registry'] });
    await expect(registry).rejects.toBeInstanceOf(StackVersionError);
    await expect(registry).rejects.toThrow(/last run by version 99\.0\.0/);
    writeFileSync(dataVersionFile(stateDir, 'registry'), recorded);
    expect(readServiceRecord(stateDir, 'registry')).toBeUndefined();
  }, 60_000);
});

describe('stackReset', () => {
  beforeAll(() => {
    developmentWebhookSecret(stateDir);
    developmentApiToken(stateDir);
  });

  it('lists everything with sizes and deletes nothing when not confirmed', async () => {
    const declining = answering(false);
    const result = await stackReset({ ...options, confirm: declining.confirm });
    const shown = declining.shown();

    expect(result).toMatchObject({ outcome: 'declined', stopped: [], deleted: [] });
    for (const entry of [
      'kafka',
      'postgres',
      'registry',
      'dev-webhook-secret',
      'dev-api-token',
      'logs',
      'pids',
    ]) {
      expect(shown).toMatch(new RegExp(`${path(entry)} \\(.*\\) [\\d.]+ (B|kB|MB) — `));
      expect(existsSync(path(entry))).toBe(true);
    }
    expect(shown).toMatch(/It first stops: kafka \(pid \d+\), postgres \(pid \d+\)/);
    expect((await stackStatus(options)).filter((s) => s.state === 'up').map((s) => s.service)).toEqual([
      'kafka',
      'postgres',
    ]);
  }, 30_000);

  it('refuses while npm start supervises this stack, deleting nothing', async () => {
    // A live supervisor record: this jest process, whose command line names jest.js.
    const supervisor = {
      pid: process.pid,
      script: '/any/jest.js',
      startedAt: '',
      stopping: false,
      services: [],
    };
    writeFileSync(path('supervisor.json'), JSON.stringify(supervisor));
    const confirming = answering(true);
    try {
      const attempt = stackReset({ ...options, confirm: confirming.confirm });

      await expect(attempt).rejects.toThrow(`npm start (pid ${process.pid}) runs on this stack`);
      expect(confirming.shown()).toBe('');
      expect(existsSync(path('kafka'))).toBe(true);
    } finally {
      rmSync(path('supervisor.json'), { force: true });
    }
  });

  it("reset registry drops its schemas (warning about the Kafka log's orphaned ids), keeping the read models", async () => {
    const confirming = answering(true);
    const result = await stackReset({ ...options, services: ['registry'], confirm: confirming.confirm });
    const shown = confirming.shown();
    const schemas = await query(
      urls.database,
      "SELECT 1 FROM pg_namespace WHERE nspname = 'apicurio_registry'",
    );

    expect(result.outcome).toBe('deleted');
    expect(shown).toMatch(
      /registry: +schema apicurio_registry in 127\.0\.0\.1:\d+\/postgres \(tables\) [\d.]+ (B|kB|MB) — /,
    );
    expect(shown).toContain('schema ids that will no longer exist (orphaned)');
    expect(schemas).toEqual([]);
    expect(await query(urls.database, 'SELECT note FROM durable_probe')).toEqual([{ note: 'kept' }]);
    expect(existsSync(path('registry'))).toBe(false);
  }, 60_000);

  it('reset kafka deletes the log, warns that projectors need a rebuild, keeps Postgres and credentials', async () => {
    const confirming = answering(true);
    const result = await stackReset({ ...options, services: ['kafka'], confirm: confirming.confirm });
    const shown = confirming.shown();

    expect(result).toMatchObject({ outcome: 'deleted', stopped: ['kafka'], deleted: [path('kafka')] });
    expect(shown).toContain('Run `npm run cli -- rebuild <projection>` for each projection afterwards');
    expect(shown).toContain(`credentials: ${path('dev-webhook-secret')}, ${path('dev-api-token')}`);
    expect(['kafka', 'postgres', 'dev-webhook-secret'].map((entry) => existsSync(path(entry)))).toEqual([
      false,
      true,
      true,
    ]);
    expect(await portsOf(['KAFKA_PORT', 'POSTGRES_PORT'])).toEqual([false, true]);
  }, 60_000);

  it('reset of the whole stack stops what runs and deletes data, credentials, logs and records', async () => {
    const result = await stackReset({ ...options, confirm: () => Promise.resolve(true) });
    const entries = ['kafka', 'postgres', 'registry', 'dev-webhook-secret', 'dev-api-token', 'logs', 'pids'];

    expect(result).toMatchObject({ outcome: 'deleted', stopped: ['postgres'] });
    expect(entries.filter((entry) => existsSync(path(entry)))).toEqual([]);
    expect(await portsOf(['POSTGRES_PORT'])).toEqual([false]);
  }, 60_000);
});
