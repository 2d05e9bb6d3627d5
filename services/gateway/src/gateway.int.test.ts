import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { stackDown, stackUp } from '@allo-pipeline/infra';
import {
  DEFAULT_BODY_LIMIT_BYTES,
  RawRecordCodec,
  rawTopicMaxMessageBytes,
  RawTopicTooSmallError,
  type RawWebhookRecord,
} from '@allo-pipeline/raw-webhook-record';
import {
  createTestTopics,
  freePort,
  readStackEnv,
  testKafka,
  type TestTopics,
  uniqueName,
} from '@allo-pipeline/testing';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';
import { parseGatewayConfig, type GatewayConfig } from './config.js';
import { startGateway, type RunningGateway } from './start-gateway.js';

const SECRET = generateSecret();
/** Topics made by the tests hold what the gateway's default body limit admits (as it checks at start-up). */
const RAW_TOPIC_CONFIG = { 'max.message.bytes': String(rawTopicMaxMessageBytes(DEFAULT_BODY_LIMIT_BYTES)) };
const key = parseSecret(SECRET, 'SECRET');
const logger = pino({ level: 'silent' });

function configFor(topic: string, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const env = readStackEnv();
  return {
    ...parseGatewayConfig({
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
      ALLO_WEBHOOK_SECRET: SECRET,
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      RAW_TOPIC: topic,
      RAW_TOPIC_PARTITIONS: '3',
    }),
    ...overrides,
  };
}

function smsBody(index: number): string {
  return JSON.stringify({
    topic: 'sms.received',
    version: '2.0',
    timestamp: new Date().toISOString(),
    data: {
      id: `msg_${index}`,
      direction: 'INBOUND',
      content: `hello ${index} \u00e9\u{1f600}`,
      from_number: '+14155550142',
    },
  });
}

function signedHeaders(id: string, body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ id, timestamp, body, secret: key }),
  };
}

async function post(url: string, id: string, body: string): Promise<number> {
  const response = await fetch(`${url}/webhooks/allo`, {
    method: 'POST',
    headers: signedHeaders(id, body),
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Reads `count` records from the topic with a fresh consumer group and decodes them. */
async function readRecords(topic: string, count: number, timeoutMs = 60_000): Promise<RawWebhookRecord[]> {
  const codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  const consumer = testKafka().consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const records: RawWebhookRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${records.length}/${count} records`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          records.push(await codec.decode(message.value));
          if (records.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

describe('gateway against the real Kafka and schema registry', () => {
  let topics: TestTopics;
  let gateway: RunningGateway;

  beforeAll(async () => {
    topics = await createTestTopics(['gateway-raw', 'gateway-load'], 3, RAW_TOPIC_CONFIG);
    gateway = await startGateway(configFor(topics.names[0]!), logger);
  });

  afterAll(async () => {
    await gateway.close();
    await topics.drop();
  });

  it('acknowledges a signed event only with a record that decodes to the exact bytes and metadata', async () => {
    const body = smsBody(1);
    const before = Date.now();
    expect(await post(gateway.url, 'msg_gateway_int_1', body)).toBe(200);
    const [record] = await readRecords(topics.names[0]!, 1);
    expect(record?.body.equals(Buffer.from(body))).toBe(true);
    expect(record).toMatchObject({
      webhookId: 'msg_gateway_int_1',
      source: 'default',
      topic: 'sms.received',
    });
    expect(record?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(record?.webhookTimestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000));
  });

  it('turns 1,000 concurrent signed requests into 1,000 records, each webhook-id present', async () => {
    const load = await startGateway(configFor(topics.names[1]!), logger);
    try {
      const ids = Array.from({ length: 1000 }, (_, i) => `msg_load_${i}`);
      const statuses = await Promise.all(ids.map((id, i) => post(load.url, id, smsBody(i))));
      expect(statuses.filter((s) => s === 200)).toHaveLength(1000);
      const records = await readRecords(topics.names[1]!, 1000);
      expect(new Set(records.map((r) => r.webhookId))).toEqual(new Set(ids));
    } finally {
      await load.close();
    }
  });

  describe('at the body limit, on a raw topic the gateway creates from it', () => {
    const limit = DEFAULT_BODY_LIMIT_BYTES;
    const sizeTopic = uniqueName('gateway-size').replace(/_/g, '.');
    let sized: RunningGateway;
    /** A JSON body of exactly `size` bytes. */
    const ofSize = (size: number, id: string, topic = 'sms.received'): string => {
      const head = `{"topic":"${topic}","version":"2.0","timestamp":"${new Date().toISOString()}","data":{"id":"${id}","content":"`;
      return `${head}${'x'.repeat(size - Buffer.byteLength(head) - 3)}"}}`;
    };

    beforeAll(async () => {
      // One partition: every record below lands in the same one, as a hot key's would.
      sized = await startGateway(configFor(sizeTopic, { rawTopicPartitions: 1 }), logger);
    });

    afterAll(async () => {
      await sized.close();
      const admin = testKafka().admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [sizeTopic] });
      await admin.disconnect();
    });

    it('stores a body of exactly the limit and one byte under it, and refuses one byte over with 413', async () => {
      // Long metadata too: a webhook id of the longest accepted length, and a topic of 200 3-byte
      // characters (recorded as field, header and key). raw-record-size.test.ts bounds the rest.
      const wideId = `msg_${'w'.repeat(252)}`;
      const bodies = {
        at: ofSize(limit, 'msg_limit_at'),
        under: ofSize(limit - 1, 'msg_limit_under'),
        wide: ofSize(limit, 'msg_limit_wide', '\u20ac'.repeat(200)),
        over: ofSize(limit + 1, 'msg_limit_over'),
      };
      expect(Buffer.byteLength(bodies.at)).toBe(limit);
      expect(Buffer.byteLength(bodies.wide)).toBe(limit);
      expect(await post(sized.url, 'msg_limit_at', bodies.at)).toBe(200);
      expect(await post(sized.url, 'msg_limit_under', bodies.under)).toBe(200);
      expect(await post(sized.url, wideId, bodies.wide)).toBe(200);
      expect(await post(sized.url, 'msg_limit_over', bodies.over)).toBe(413);
      const records = await readRecords(sizeTopic, 3);
      expect(records.map((r) => [r.webhookId, r.body.length]).sort()).toEqual(
        [
          ['msg_limit_at', limit],
          ['msg_limit_under', limit - 1],
          [wideId, limit],
        ].sort(),
      );
      expect(records.find((r) => r.webhookId === wideId)?.topic).toBe('\u20ac'.repeat(200));
    });

    it('stores large bodies arriving together: they are never sent in one batch larger than the topic holds', async () => {
      const ids = Array.from({ length: 8 }, (_, i) => `msg_large_${i}`);
      const statuses = await Promise.all(ids.map((id) => post(sized.url, id, ofSize(600_000, id))));
      expect(statuses).toEqual(ids.map(() => 200));
    });
  });

  it('refuses to start on an existing raw topic that cannot hold its largest body, naming both numbers', async () => {
    const small = await createTestTopics(['gateway-small'], 1);
    try {
      const attempt = startGateway(configFor(small.names[0]!), logger);
      await expect(attempt).rejects.toBeInstanceOf(RawTopicTooSmallError);
      await expect(attempt).rejects.toThrow(
        `has max.message.bytes=1048588, but the gateway accepts bodies up to GATEWAY_BODY_LIMIT_BYTES=1048576 and needs ${rawTopicMaxMessageBytes(DEFAULT_BODY_LIMIT_BYTES)}`,
      );
    } finally {
      await small.drop();
    }
  });

  it('refuses to start on a port already in use, naming GATEWAY_PORT (instead of crashing)', async () => {
    const port = Number(new URL(gateway.url).port);
    const attempt = startGateway(configFor(topics.names[0]!, { port }), logger);
    await expect(attempt).rejects.toThrow(`GATEWAY_PORT=${port}: 127.0.0.1:${port} is already in use`);
  });

  it('serves HTTPS with TLS_CERT_FILE and TLS_KEY_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const tls = await startGateway(configFor(topics.names[0]!, { tls: { certFile, keyFile } }), logger);
    try {
      expect(tls.url.startsWith('https://')).toBe(true);
      const body = smsBody(2);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          `${tls.url}/webhooks/allo`,
          { method: 'POST', headers: signedHeaders('msg_tls', body), ca: readFileSync(certFile) },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(200);
    } finally {
      await tls.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gateway while its broker is down', () => {
  // A private single-node Kafka (own state folder, free ports), so stopping it leaves the shared
  // stack alone.
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  const topic = 'gateway.outage';
  let gateway: RunningGateway;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'gateway-outage-'));
    const [kafkaPort, controllerPort] = [await freePort(), await freePort()];
    env = { ...process.env, KAFKA_PORT: String(kafkaPort), KAFKA_CONTROLLER_PORT: String(controllerPort) };
    delete env.DATABASE_URL;
    await stackUp({ stateDir, env, services: ['kafka'] });
    gateway = await startGateway(
      {
        ...configFor(topic),
        kafka: { ...configFor(topic).kafka, brokers: [`127.0.0.1:${kafkaPort}`] },
        ackDeadlineMs: 3000,
        rawTopicPartitions: 1,
      },
      logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await stackDown({ stateDir, env, services: ['kafka'] });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('answers 503 within the deadline, never 2xx, then 200 again once the broker is back', async () => {
    expect(await post(gateway.url, 'msg_outage_before', smsBody(10))).toBe(200);
    await stackDown({ stateDir, env, services: ['kafka'] });
    for (let i = 0; i < 3; i += 1) {
      const started = Date.now();
      expect(await post(gateway.url, `msg_outage_${i}`, smsBody(11 + i))).toBe(503);
      expect(Date.now() - started).toBeLessThan(3000 + 1500);
    }
    // The broker comes back on its kept data: the topic is still there.
    await stackUp({ stateDir, env, services: ['kafka'] });
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = await post(gateway.url, 'msg_outage_after', smsBody(20));
      expect([200, 503]).toContain(status);
    }
    expect(status).toBe(200);
  });
});
