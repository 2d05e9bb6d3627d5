import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { PortInUseError, stackDown, stackStatus, stackUp } from '../src/index.js';
import { isPortAnswering, isProcessAlive } from '../src/process-control.js';

// A second, private stack (own state folder, own ports) beside the shared one the tests use.
const stateDir = mkdtempSync(join(tmpdir(), 'allo-stack-test-'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function privateEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    POSTGRES_PORT: String(await freePort()),
  };
  delete env.DATABASE_URL;
  return env;
}

afterAll(async () => {
  await stackDown({ stateDir, env: await privateEnv() });
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('local stack manager', () => {
  it('starts once, reuses on a second up, and leaves nothing behind after down', async () => {
    const env = await privateEnv();
    const options = { stateDir, env, services: ['kafka', 'postgres'] as const };

    const first = await stackUp({ ...options, services: [...options.services] });
    const second = await stackUp({ ...options, services: [...options.services] });
    const pids = (await stackStatus({ stateDir, env })).flatMap((entry) => (entry.pid ? [entry.pid] : []));
    const { stopped } = await stackDown({ stateDir, env });
    const portsAfterDown = await Promise.all(
      ['KAFKA_PORT', 'KAFKA_CONTROLLER_PORT', 'POSTGRES_PORT'].map((name) =>
        isPortAnswering(Number(env[name])),
      ),
    );

    expect(first.started.sort()).toEqual(['kafka', 'postgres']);
    expect(second.started).toEqual([]);
    expect(second.reused.sort()).toEqual(['kafka', 'postgres']);
    expect(first.endpoints.kafkaBrokers).toBe(`127.0.0.1:${env.KAFKA_PORT}`);
    expect(pids).toHaveLength(2);
    expect(stopped.sort()).toEqual(['kafka', 'postgres']);
    expect(pids.map(isProcessAlive)).toEqual([false, false]);
    expect(portsAfterDown).toEqual([false, false, false]);
  }, 180_000);

  it('refuses a port taken by another process, naming the port and its variable', async () => {
    const env = await privateEnv();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(env.POSTGRES_PORT), '127.0.0.1', resolve));
    try {
      const attempt = stackUp({ stateDir, env, services: ['postgres'] });

      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`port ${env.POSTGRES_PORT} is already in use`);
      await expect(attempt).rejects.toThrow('POSTGRES_PORT=<port>');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 30_000);

  it('uses a reachable DATABASE_URL instead of starting Postgres, and down leaves it running', async () => {
    const externalUrl = process.env.DATABASE_URL ?? '';
    const env = { ...(await privateEnv()), DATABASE_URL: externalUrl };
    const external = new URL(externalUrl);

    const result = await stackUp({ stateDir, env, services: ['postgres'] });
    const { stopped } = await stackDown({ stateDir, env, services: ['postgres'] });

    expect(result).toMatchObject({ started: [], reused: [], external: ['postgres'] });
    expect(result.endpoints.databaseUrl).toBe(externalUrl);
    expect(stopped).toEqual([]);
    expect(await isPortAnswering(Number(external.port || 5432), external.hostname)).toBe(true);
  }, 30_000);
});
