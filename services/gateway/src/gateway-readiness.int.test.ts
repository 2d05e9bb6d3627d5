import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { stackDown, stackUp, type ServiceName } from '@allo-pipeline/infra';
import { generateSecret } from '@allo-pipeline/webhook-signature';
import { parseGatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './start-gateway.js';

// Issue 11: the gateway's /readyz tells the truth. Against a private stack (free ports, its own
// state folder: the shared one is never touched) the broker, then the registry, is stopped and
// started again; /readyz must turn red within 5 s of each stop and green again after each start.

const logger = pino({ level: 'silent' });
const stateDir = mkdtempSync(join('/var/tmp', 'allo-gateway-readiness-'));
chmodSync(stateDir, 0o755);
let env: NodeJS.ProcessEnv;
let gateway: RunningGateway | undefined;

afterAll(async () => {
  await gateway?.close();
  if (env) await stackDown({ stateDir, env });
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function readyStatus(): Promise<number> {
  const response = await fetch(`${gateway!.url}/readyz`, { signal: AbortSignal.timeout(4_000) });
  await response.arrayBuffer();
  return response.status;
}

/** Seconds from now until /readyz answers `status`. */
async function secondsUntil(status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while ((await readyStatus()) !== status) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`/readyz did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (Date.now() - started) / 1000;
}

describe('gateway /readyz', () => {
  it('turns red within 5 s when Kafka or the registry goes, and green again when it is back', async () => {
    env = { ...process.env };
    delete env.DATABASE_URL;
    for (const name of [
      'KAFKA_PORT',
      'KAFKA_CONTROLLER_PORT',
      'SCHEMA_REGISTRY_PORT',
      'SCHEMA_REGISTRY_MANAGEMENT_PORT',
      'POSTGRES_PORT',
    ])
      env[name] = String(await freePort());
    const { endpoints } = await stackUp({ stateDir, env });
    const config = parseGatewayConfig({
      KAFKA_BROKERS: endpoints.kafkaBrokers,
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      ALLO_WEBHOOK_SECRET: generateSecret(),
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      RAW_TOPIC_PARTITIONS: '1',
    });
    gateway = await startGateway(config, logger);
    expect(await readyStatus()).toBe(200);
    const timings: string[] = [];
    for (const service of ['kafka', 'registry'] as const satisfies readonly ServiceName[]) {
      await stackDown({ stateDir, env, services: [service] });
      const red = await secondsUntil(503, 5_000);
      const body = (await (await fetch(`${gateway.url}/readyz`)).json()) as { problems?: string[] };
      await stackUp({ stateDir, env, services: [service] });
      const green = await secondsUntil(200, 30_000);
      timings.push(
        `  ${service.padEnd(9)} red ${red.toFixed(1)} s after the stop, green ${green.toFixed(1)} s after it was up; ${body.problems?.join('; ') ?? ''}`,
      );
      expect(red).toBeLessThanOrEqual(5);
    }
    process.stdout.write(`\ngateway readiness:\n${timings.join('\n')}\n`);
  }, 240_000);
});
