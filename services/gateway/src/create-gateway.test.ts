import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import request from 'supertest';
import type { RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';
import { createGateway, type GatewayDeps } from './create-gateway.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { secretFingerprint } from './secret-fingerprint.js';
import type { RawEventMessage, RawEventPublisher } from './raw-event-publisher.js';

const NOW_MS = 1_767_225_600_000;
const secret = parseSecret(generateSecret(), 'TEST_SECRET');
const otherSecret = parseSecret(generateSecret(), 'TEST_SECRET');

/** An in-memory publisher standing in for Kafka at the HTTP layer (integration tests use the real one). */
class RecordingPublisher implements RawEventPublisher {
  readonly published: RawEventMessage[] = [];
  constructor(private readonly behaviour: 'ack' | 'hang' | 'fail' = 'ack') {}
  publish(message: RawEventMessage): Promise<void> {
    if (this.behaviour === 'hang') return new Promise(() => undefined);
    if (this.behaviour === 'fail') return Promise.reject(new Error('broker unavailable'));
    this.published.push(message);
    return Promise.resolve();
  }
  isConnected(): boolean {
    return this.behaviour === 'ack';
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function gateway(publisher = new RecordingPublisher(), overrides: Partial<GatewayDeps> = {}) {
  const deps: GatewayDeps = {
    sources: new Map([
      ['default', [secret]],
      ['eu-workspace', [otherSecret]],
    ]),
    publisher,
    encode: (record: RawWebhookRecord) =>
      Promise.resolve(Buffer.from(JSON.stringify({ ...record, body: record.body.toString('base64') }))),
    checkDependencies: () => Promise.resolve({ kafka: { ok: true }, registry: { ok: true } }),
    logger: pino({ level: 'silent' }),
    metrics: createGatewayMetrics(),
    now: () => NOW_MS,
    bodyLimitBytes: 1024,
    toleranceSeconds: 300,
    ackDeadlineMs: 200,
    ...overrides,
  };
  return { app: createGateway(deps).callback(), publisher, deps };
}

const smsBody =
  '{"topic":"sms.received","version":"2.0","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"msg_1","from_number":"+33612345678","content":"Bonjour"}}';

function signed(body: string, options: { id?: string; timestamp?: number; key?: typeof secret } = {}) {
  const id = options.id ?? 'msg_7QkR2vXc9LmN4pTz8sWd';
  const timestamp = options.timestamp ?? NOW_MS / 1000;
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ id, timestamp, body, secret: options.key ?? secret }),
  };
}

function errorCode(response: { body: unknown }): string | undefined {
  return (response.body as { error?: { code?: string } }).error?.code;
}

/** A pino logger that keeps what it writes, as parsed lines. */
function recordingLogger(level = 'info') {
  type Line = { level: number; msg: string; status?: number };
  const lines: Line[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return { logger, lines };
}

describe('POST /webhooks/allo', () => {
  it('logs refusals at info and 5xx at warn, accepted deliveries only at debug', async () => {
    const { logger, lines } = recordingLogger('info');
    const { app } = gateway(new RecordingPublisher(), { logger });
    await request(app).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    expect(lines.filter((line) => line.msg === 'webhook')).toEqual([]);
    await request(app)
      .post('/webhooks/allo')
      .set(signed(smsBody, { key: otherSecret }))
      .send(smsBody);
    const { app: failing } = gateway(new RecordingPublisher('fail'), { logger });
    await request(failing).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    expect(
      lines.filter((line) => line.msg === 'webhook').map(({ level, status }) => ({ level, status })),
    ).toEqual([
      { level: 30, status: 401 },
      { level: 40, status: 503 },
    ]);
    const debug = recordingLogger('debug');
    const { app: verbose } = gateway(new RecordingPublisher(), { logger: debug.logger });
    await request(verbose).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    expect(debug.lines.filter((line) => line.msg === 'webhook')).toMatchObject([{ level: 20, status: 200 }]);
  });

  it('publishes a verified event once, keyed by its entity, and answers 200 after the ack', async () => {
    const { app, publisher } = gateway();
    const response = await request(app).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'accepted', webhook_id: 'msg_7QkR2vXc9LmN4pTz8sWd' });
    expect(publisher.published).toHaveLength(1);
    const [message] = publisher.published;
    expect(message?.key).toBe('sms:msg_1');
    expect(message?.headers).toMatchObject({
      'webhook-id': 'msg_7QkR2vXc9LmN4pTz8sWd',
      topic: 'sms.received',
      source: 'default',
    });
    const record = JSON.parse(message?.value.toString() ?? '{}') as {
      body: string;
      webhookTimestamp: number;
    };
    expect(Buffer.from(record.body, 'base64').toString()).toBe(smsBody);
    expect(record.webhookTimestamp).toBe(NOW_MS / 1000);
  });

  it('serves further sources with their own secrets', async () => {
    const { app, publisher } = gateway();
    const ok = await request(app)
      .post('/webhooks/allo/eu-workspace')
      .set(signed(smsBody, { key: otherSecret }))
      .send(smsBody);
    expect(ok.status).toBe(200);
    expect(publisher.published[0]?.headers.source).toBe('eu-workspace');
    const wrongKey = await request(app)
      .post('/webhooks/allo/eu-workspace')
      .set(signed(smsBody))
      .send(smsBody);
    expect(wrongKey.status).toBe(401);
    expect(publisher.published).toHaveLength(1);
  });

  it('stores signed bodies that are not JSON or have unknown topics', async () => {
    const { app, publisher } = gateway();
    const garbage = 'not json at all';
    expect((await request(app).post('/webhooks/allo').set(signed(garbage)).send(garbage)).status).toBe(200);
    const ping = '{"topic":"PING","data":{}}';
    expect(
      (
        await request(app)
          .post('/webhooks/allo')
          .set(signed(ping, { id: 'msg_ping' }))
          .send(ping)
      ).status,
    ).toBe(200);
    expect(publisher.published.map((m) => m.headers.topic)).toEqual([undefined, 'PING']);
    expect(publisher.published[0]?.key).toBe('webhook:msg_7QkR2vXc9LmN4pTz8sWd');
  });

  const rejected: Array<
    [string, number, string, (h: Record<string, string>) => Record<string, string>, string?]
  > = [
    ['unknown source', 404, 'unknown-source', (h) => h, '/webhooks/allo/nope'],
    ['missing signature header', 400, 'missing-header', ({ 'webhook-signature': _, ...h }) => h],
    ['non-numeric timestamp', 400, 'invalid-timestamp', (h) => ({ ...h, 'webhook-timestamp': 'soon' })],
    ['malformed signature', 400, 'malformed-signature', (h) => ({ ...h, 'webhook-signature': 'garbage' })],
    [
      'bad signature',
      401,
      'bad-signature',
      (h) => ({ ...h, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}` }),
    ],
  ];
  it.each(rejected)(
    'rejects %s with %i and publishes nothing',
    async (_name, status, code, edit, path = '/webhooks/allo') => {
      const { app, publisher } = gateway();
      const response = await request(app)
        .post(path)
        .set(edit(signed(smsBody)))
        .send(smsBody);
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
      expect(publisher.published).toHaveLength(0);
    },
  );

  it('rejects stale and future timestamps with 401', async () => {
    const { app, publisher } = gateway();
    const stale = signed(smsBody, { timestamp: NOW_MS / 1000 - 301 });
    const future = signed(smsBody, { timestamp: NOW_MS / 1000 + 301 });
    expect(errorCode(await request(app).post('/webhooks/allo').set(stale).send(smsBody))).toBe(
      'stale-timestamp',
    );
    expect(errorCode(await request(app).post('/webhooks/allo').set(future).send(smsBody))).toBe(
      'future-timestamp',
    );
    expect(publisher.published).toHaveLength(0);
  });

  it('rejects bodies over the limit with 413', async () => {
    const { app, publisher } = gateway();
    const big = JSON.stringify({ topic: 'sms.received', data: { content: 'x'.repeat(2000) } });
    const response = await request(app).post('/webhooks/allo').set(signed(big)).send(big);
    expect(response.status).toBe(413);
    expect(errorCode(response)).toBe('body-too-large');
    expect(publisher.published).toHaveLength(0);
  });

  it('refuses a content coding with 415 (the signed bytes are stored as sent, never decoded)', async () => {
    const { app, publisher } = gateway();
    const compressed = gzipSync(smsBody);
    for (const [coding, body, headers] of [
      ['gzip', compressed, signed(smsBody)],
      ['gzip', compressed, signed(compressed.toString('latin1'))],
      ['br', Buffer.from(smsBody), signed(smsBody)],
      ['GZIP, identity', compressed, signed(smsBody)],
    ] as const) {
      const response = await request(app)
        .post('/webhooks/allo')
        .set({ ...headers, 'content-encoding': coding })
        .send(body);
      expect([coding, response.status, errorCode(response)]).toEqual([
        coding,
        415,
        'unsupported-content-encoding',
      ]);
      expect(response.headers['accept-encoding']).toBe('identity');
    }
    const identity = await request(app)
      .post('/webhooks/allo')
      .set({ ...signed(smsBody), 'content-encoding': 'identity' })
      .send(smsBody);
    expect(identity.status).toBe(200);
    expect(publisher.published).toHaveLength(1);
  });

  it('answers 503, never 2xx, when Kafka does not acknowledge in time', async () => {
    const { app } = gateway(new RecordingPublisher('hang'));
    const started = Date.now();
    const response = await request(app).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    expect(response.status).toBe(503);
    expect(errorCode(response)).toBe('not-durable');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers 503 when the publish fails', async () => {
    const { app } = gateway(new RecordingPublisher('fail'));
    const response = await request(app).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    expect(response.status).toBe(503);
  });
});

describe('operational routes', () => {
  it('reports liveness, readiness and metrics', async () => {
    const { app } = gateway();
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await request(app).get('/readyz')).status).toBe(200);
    await request(app).post('/webhooks/allo').set(signed(smsBody)).send(smsBody);
    await request(app)
      .post('/webhooks/allo')
      .set({ ...signed(smsBody), 'webhook-signature': 'v1,AAAA' })
      .send(smsBody);
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).toContain('allo_gateway_requests_total{status="200",source="default"} 1');
    expect(metrics).toContain('allo_gateway_verification_failures_total{reason="malformed-signature"} 1');
    expect(metrics).toContain('allo_gateway_publish_latency_seconds_count 1');
  });

  it('reports per-source activity on /status/sources without any secret', async () => {
    const { app } = gateway(undefined, { sourcesFileStatus: () => null });
    await request(app)
      .post('/webhooks/allo/eu-workspace')
      .set(signed(smsBody, { key: otherSecret }))
      .send(smsBody);
    await request(app).post('/webhooks/allo/eu-workspace').set(signed(smsBody)).send(smsBody);
    await request(app).post('/webhooks/allo/nope').set(signed(smsBody)).send(smsBody);
    const response = await request(app).get('/status/sources');
    expect(response.status).toBe(200);
    const at = new Date(NOW_MS).toISOString();
    expect(response.body).toEqual({
      generatedAt: at,
      sourcesFile: null,
      sources: {
        default: {
          secrets: [{ fingerprint: secretFingerprint(secret), lastVerifiedAt: null }],
          awaitingSecret: false,
          lastAcceptedAt: null,
          lastHour: { accepted: 0, signatureFailures: 0, clientErrors: 0, serverErrors: 0 },
        },
        'eu-workspace': {
          secrets: [{ fingerprint: secretFingerprint(otherSecret), lastVerifiedAt: at }],
          awaitingSecret: false,
          lastAcceptedAt: at,
          lastHour: { accepted: 1, signatureFailures: 1, clientErrors: 1, serverErrors: 0 },
        },
      },
    });
    expect(response.text).not.toContain(otherSecret.key.toString('base64'));
  });

  it('is not ready without a producer connection, a reachable Kafka or a reachable registry', async () => {
    expect((await request(gateway(new RecordingPublisher('hang')).app).get('/readyz')).status).toBe(503);
    const down = gateway(undefined, {
      checkDependencies: () =>
        Promise.resolve({
          kafka: { ok: false, error: 'kafka did not answer within 1500 ms' },
          registry: { ok: false, error: 'registry: HTTP 503' },
        }),
    });
    const response = await request(down.app).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      status: 'not-ready',
      producer: true,
      kafka: false,
      registry: false,
      problems: ['kafka did not answer within 1500 ms', 'registry: HTTP 503'],
    });
  });
});
