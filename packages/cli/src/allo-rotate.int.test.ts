import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { deliverEvents, generateHistory, type DeliveryReport } from '@allo-pipeline/allo-simulator';
import { DEFAULT_BODY_LIMIT_BYTES, rawTopicMaxMessageBytes } from '@allo-pipeline/raw-webhook-record';
import {
  AlloApiContractServer,
  CONTRACT_API_KEY,
  type ContractWebhook,
  createTestTopics,
  freePort,
  readStackEnv,
  type TestTopics,
} from '@allo-pipeline/testing';
import type { AlloCommand } from './allo-command.js';
import { runAlloCommand } from './allo-run-command.js';
import { readSourcesFile } from './allo-sources-file.js';

// Issue 16: `allo rotate` while Allo keeps delivering. Allo's API is the contract server; the
// gateway is the real one (its built main.js, as npm start runs it) on the real Kafka and
// registry. A stand-in for Allo's delivery side sends the simulator's events, signed with the
// secret of every webhook the contract server holds for the URL at that moment, through the
// gateway, and the rotation must leave 0 refused deliveries.

const GATEWAY_MAIN = fileURLToPath(new URL('../../../services/gateway/dist/main.js', import.meta.url));
const DEV_SECRET = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const URL_EU = 'https://hooks.example.test/webhooks/allo/eu';

let topics: TestTopics;
let dir: string;
let sourcesFile: string;
let server: AlloApiContractServer;
let gateway: ChildProcess;
let gatewayUrl: string;
const gatewayLog: string[] = [];
/** What the delivery stand-in does the moment Allo creates a webhook (set during the rotation). */
let onCreated: ((webhook: ContractWebhook) => void) | undefined;
const printed: string[] = [];

/** Polls `check` (sync or async) until it gives a value. */
async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function allo(command: AlloCommand): Promise<number> {
  const env = {
    ALLO_API_KEY: CONTRACT_API_KEY,
    ALLO_API_URL: server.url,
    ALLO_SOURCES_FILE: sourcesFile,
    GATEWAY_URL: gatewayUrl,
  };
  const out = (text: string) => void printed.push(text);
  return runAlloCommand(
    command,
    { env, stateDir: () => dir, pollIntervalMs: 100 },
    { out, stderr: { write: out }, logger: pino({ level: 'silent' }) },
  );
}

beforeAll(async () => {
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run "npx tsc -b" first`);
  topics = await createTestTopics(['allo_rotate_raw'], 3, {
    'max.message.bytes': String(rawTopicMaxMessageBytes(DEFAULT_BODY_LIMIT_BYTES)),
  });
  dir = mkdtempSync(join(tmpdir(), 'allo-rotate-'));
  sourcesFile = join(dir, 'allo-sources.json');
  // As after `npm start` with a sources file that has no Allo source yet.
  writeFileSync(sourcesFile, '{}', { mode: 0o600 });
  server = await AlloApiContractServer.start({ onWebhookCreated: (webhook) => onCreated?.(webhook) });
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  const stack = readStackEnv();
  gateway = spawn(process.execPath, [GATEWAY_MAIN], {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: stack.SCHEMA_REGISTRY_URL,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      RAW_TOPIC: topics.names[0],
      RAW_TOPIC_PARTITIONS: '3',
      ALLO_WEBHOOK_SECRET: DEV_SECRET,
      ALLO_SOURCES_FILE: sourcesFile,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [gateway.stdout, gateway.stderr])
    stream?.on('data', (chunk: Buffer) => gatewayLog.push(chunk.toString()));
  await until('the gateway', async () =>
    (await fetch(`${gatewayUrl}/status/sources`)).ok ? true : undefined,
  );
});

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
  }
  await server?.close();
  await topics?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One batch of fresh events from one webhook, signed with its secret, through the gateway. */
async function deliverWith(webhook: ContractWebhook, seed: number, tally: Map<string, DeliveryReport[]>) {
  const events = generateHistory({ seed, calls: 2, smsConversations: 1, contacts: 1 });
  const report = await deliverEvents(events, {
    url: `${gatewayUrl}/webhooks/allo/eu`,
    secret: { key: Buffer.from(webhook.signing_secret.slice('whsec_'.length), 'base64') },
    concurrency: 2,
    timeScale: 0.001,
  });
  tally.set(webhook.id, [...(tally.get(webhook.id) ?? []), report]);
}

/** Allo's delivery side: every webhook for the URL delivers a fresh batch, signed with its secret. */
async function deliverRound(round: number, tally: Map<string, DeliveryReport[]>): Promise<void> {
  const webhooks = server.webhooks().filter((w) => w.url === URL_EU && w.enabled);
  await Promise.all(webhooks.map((webhook, index) => deliverWith(webhook, round * 10 + index, tally)));
}

describe('allo connect, then allo rotate under traffic, against the contract server and the real gateway', () => {
  it('connects, rotates with 0 refused deliveries, and the old secret stops verifying', async () => {
    expect(await allo({ kind: 'connect', url: URL_EU, source: undefined, topics: 'all' })).toBe(0);
    expect(printed.join('\n')).toContain('the gateway at');
    expect(printed.join('\n')).toContain('verifies source "eu" with it now');
    const [original] = server.webhooks();

    const tally = new Map<string, DeliveryReport[]>();
    // The worst case: the new webhook delivers before Allo's create response reaches the CLI,
    // so before the sources file has its secret (the gateway must hold, not refuse, these).
    const early: Array<Promise<void>> = [];
    onCreated = (webhook) => early.push(deliverWith(webhook, 777, tally));
    let rotating = true;
    let rounds = 0;
    const traffic = (async () => {
      // Keeps delivering during the whole rotation, then two rounds more with the new secret alone.
      for (let after = 0; rotating || after < 2; rounds += 1) {
        await deliverRound(rounds, tally);
        if (!rotating) after += 1;
      }
    })();
    const code = await allo({ kind: 'rotate', source: 'eu', waitSeconds: 60, graceSeconds: 3 });
    rotating = false;
    await traffic;
    await Promise.all(early);
    onCreated = undefined;

    expect(code).toBe(0);
    const [successor] = server.webhooks();
    expect(server.webhooks()).toHaveLength(1);
    expect(successor?.id).not.toBe(original?.id);
    const reports = [...tally.values()].flat();
    const sum = (pick: (r: DeliveryReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    // 0 refused deliveries: every attempt got a 2xx, nothing failed, nothing was retried.
    expect({
      refused: sum((r) => r.attemptFailures.status),
      timeouts: sum((r) => r.attemptFailures.timeout + r.attemptFailures.connection),
      failed: sum((r) => r.failed),
      retried: sum((r) => r.retried),
    }).toEqual({ refused: 0, timeouts: 0, failed: 0, retried: 0 });
    expect(sum((r) => r.acknowledged)).toBe(sum((r) => r.events));
    // Both secrets carried traffic: the old one before and during, the new one during and after.
    expect(tally.get(original!.id)?.length).toBeGreaterThan(0);
    expect(early).toHaveLength(1);
    expect(tally.get(successor!.id)?.length).toBeGreaterThanOrEqual(3);
    expect(server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 201',
      'POST 201',
      'DELETE 204',
    ]);
    expect(readSourcesFile(sourcesFile).get('eu')).toEqual({
      secrets: [successor?.signing_secret],
      url: URL_EU,
      webhookId: successor?.id,
    });

    // The rotation really removed the old secret from the running gateway: it is refused now.
    const late = await deliverEvents(
      generateHistory({ seed: 999, calls: 1, smsConversations: 0, contacts: 0 }),
      {
        url: `${gatewayUrl}/webhooks/allo/eu`,
        secret: { key: Buffer.from(original!.signing_secret.slice('whsec_'.length), 'base64') },
        timeScale: 0.00001,
      },
    );
    expect(late.attemptFailures.status).toBeGreaterThan(0);
    expect(late.acknowledged).toBe(0);

    const log = gatewayLog.join('');
    expect(log).toContain('sources reloaded');
    for (const secret of [original!.signing_secret, successor!.signing_secret, DEV_SECRET])
      expect(log).not.toContain(secret.slice('whsec_'.length));
    expect(printed.join('\n')).not.toContain(successor!.signing_secret.slice('whsec_'.length));
  });

  it('keeps the configuration in use when the file turns invalid, and re-reads it on SIGHUP', async () => {
    const good = readSourcesFile(sourcesFile).get('eu')!;
    writeFileSync(sourcesFile, '{"eu": ["whsec_%%%"]}');
    await until('the rejection', () =>
      gatewayLog.join('').includes('sources file rejected') ? true : undefined,
    );
    gateway.kill('SIGHUP');
    await until('the SIGHUP reload', () =>
      gatewayLog.join('').includes('"trigger":"SIGHUP"') ? true : undefined,
    );
    expect(gateway.exitCode).toBeNull();
    const status = (await (await fetch(`${gatewayUrl}/status/sources`)).json()) as {
      sourcesFile: { lastError: { message: string } | null };
      sources: Record<string, { secrets: unknown[] }>;
    };
    expect(status.sourcesFile.lastError?.message).toContain('ALLO_SOURCES_FILE');
    expect(status.sources.eu?.secrets).toHaveLength(good.secrets.length);
    const report = await deliverEvents(
      generateHistory({ seed: 4242, calls: 1, smsConversations: 0, contacts: 0 }),
      {
        url: `${gatewayUrl}/webhooks/allo/eu`,
        secret: { key: Buffer.from(good.secrets[0]!.slice('whsec_'.length), 'base64') },
      },
    );
    expect(report.attemptFailures.status).toBe(0);
    expect(report.acknowledged).toBe(report.events);
    expect(gatewayLog.join('')).not.toContain('%%%');
  });
});
