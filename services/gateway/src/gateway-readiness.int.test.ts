import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '@allo-pipeline/testing';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { stackDown, stackUp, type ServiceName } from '@allo-pipeline/infra';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';
import { parseGatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './start-gateway.js';

// Issue 11: the gateway's /readyz tells the truth. Against a private stack (free ports, its own
// state folder: the shared one is never touched) the broker, then the registry, is stopped and
// started again; /readyz must turn red within 5 s of each stop and green again after each start.
// While the broker is down a delivery is refused (its produce request fails, the producer is
// replaced and cannot connect): /readyz must still turn green by itself, with no delivery after
// the broker is back (a gateway out of rotation for not being ready gets none).

const secretText = generateSecret();
const secret = parseSecret(secretText, 'ALLO_WEBHOOK_SECRET');
const stateDir = mkdtempSync(join('/var/tmp', 'allo-gateway-readiness-'));
chmodSync(stateDir, 0o755);
let env: NodeJS.ProcessEnv;
let gateway: RunningGateway | undefined;

afterAll(async () => {
  await gateway?.close();
  if (env) await stackDown({ stateDir, env });
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

/** Warnings the gateway logs, kept as their messages (no payloads are logged). */
const warnings: string[] = [];
const logger = pino(
  { level: 'warn' },
  new Writable({
    write(line: Buffer, _encoding, done) {
      warnings.push((JSON.parse(line.toString()) as { msg: string }).msg);
      done();
    },
  }),
);

interface Readiness {
  status: number;
  body: { producer?: boolean; problems?: string[] };
}

async function readiness(): Promise<Readiness> {
  const response = await fetch(`${gateway!.url}/readyz`, { signal: AbortSignal.timeout(4_000) });
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

/** Seconds from now until /readyz answers `status`. */
async function secondsUntil(status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while ((await readiness()).status !== status) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`/readyz did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return (Date.now() - started) / 1000;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function deliver(id: string): Promise<number> {
  const body = JSON.stringify({ topic: 'sms.received', version: '2.0', data: { id } });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${gateway!.url}/webhooks/allo`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ id, timestamp, body, secret }),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** While Kafka is down: a refused delivery, then the replaced producer failing to connect. */
async function failDeliveryWhileKafkaIsDown(): Promise<void> {
  expect(await deliver('msg_readiness_outage')).toBe(503);
  await waitFor(
    'a failed producer connection',
    () => warnings.some((m) => /^kafka producer (cannot connect|reconnect failed)/.test(m)),
    60_000,
  );
  expect((await readiness()).body.producer).toBe(false);
}

async function startPrivateStack(): Promise<{ kafkaBrokers: string; schemaRegistryUrl: string }> {
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
  return (await stackUp({ stateDir, env })).endpoints;
}

describe('gateway /readyz', () => {
  it('turns red within 5 s when Kafka or the registry goes, and green again by itself when it is back', async () => {
    const endpoints = await startPrivateStack();
    const config = parseGatewayConfig({
      KAFKA_BROKERS: endpoints.kafkaBrokers,
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      ALLO_WEBHOOK_SECRET: secretText,
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_ACK_DEADLINE_MS: '3000',
      RAW_TOPIC_PARTITIONS: '1',
    });
    gateway = await startGateway(config, logger);
    expect((await readiness()).status).toBe(200);
    const timings: string[] = [];
    for (const service of ['kafka', 'registry'] as const satisfies readonly ServiceName[]) {
      await stackDown({ stateDir, env, services: [service] });
      const red = await secondsUntil(503, 5_000);
      expect(red).toBeLessThanOrEqual(5);
      const { problems = [] } = (await readiness()).body;
      if (service === 'kafka') await failDeliveryWhileKafkaIsDown();
      await stackUp({ stateDir, env, services: [service] });
      const green = await secondsUntil(200, 60_000);
      timings.push(
        `  ${service.padEnd(9)} red ${red.toFixed(1)} s after the stop, green ${green.toFixed(1)} s after it was up; ${problems.join('; ')}`,
      );
    }
    process.stdout.write(`\ngateway readiness:\n${timings.join('\n')}\n`);
    expect(await deliver('msg_readiness_after')).toBe(200);
  }, 300_000);
});
