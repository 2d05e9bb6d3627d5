import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { collectTopics, readStackEnv, testKafka, uniqueName } from '@allo-pipeline/testing';
import { generateSecret, parseSecret } from '@allo-pipeline/webhook-signature';
import { parseGatewayConfig } from '../../services/gateway/src/config.js';
import { startGateway, type RunningGateway } from '../../services/gateway/src/start-gateway.js';
import {
  BAD_INPUT_CASES,
  eventBody,
  sign,
  WEBHOOK_PATH,
  type CaseContext,
  type RawRequest,
} from './bad-input-cases.js';
import { captureLogs, secretStrings, type CapturedLogs } from './support/capture-logs.js';

// Issue 15, item 3: the bad-input corpus against the real gateway (in-process, the real Kafka
// publisher and registry of the suite's stack, a raw topic of its own). Each case is one raw
// request over a socket (node's client would normalise headers and framing); afterwards the raw
// topic must hold exactly the accepted cases' bodies and nothing else.

const SECRET = generateSecret();
const OTHER_SECRET = generateSecret();
const MARKER = `BODY-MARKER-${uniqueName('m')}`;
// A small limit keeps the at-limit and over-limit cases quick; the code path is the same.
const BODY_LIMIT = 256 * 1024;

interface Answer {
  status: number;
  ms: number;
  head: string;
}

/** Bytes of `request` as pieces to write (headers first; chunked bodies chunk by chunk). */
function serialize(request: RawRequest): Buffer[] {
  if (request.verbatim) return [request.verbatim];
  const body = request.body ?? Buffer.alloc(0);
  const framing = request.framing ?? 'content-length';
  const lines = [
    `${request.method ?? 'POST'} ${request.path ?? WEBHOOK_PATH} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
  ];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (framing === 'content-length') lines.push(`Content-Length: ${body.length}`);
  if (framing === 'chunked') lines.push('Transfer-Encoding: chunked');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (framing !== 'chunked') return [head, body];
  const count = Math.max(1, Math.min(request.chunks ?? 1, body.length));
  const size = Math.ceil(body.length / count);
  const pieces = [head];
  const framed: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) {
    const chunk = body.subarray(offset, offset + size);
    framed.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  framed.push(Buffer.from('0\r\n\r\n'));
  // Written in ~64 KiB slices so a refusal can stop the writing.
  const all = Buffer.concat(framed);
  for (let offset = 0; offset < all.length; offset += 65_536)
    pieces.push(all.subarray(offset, offset + 65_536));
  return pieces;
}

/** Sends one raw request; resolves with the status line's code (0: closed without one). */
function sendRaw(port: number, request: RawRequest, timeoutMs = 15_000): Promise<Answer> {
  // The head goes in one write: a server refusing it (431) then has read all of it, so no reset
  // from unread bytes races its answer. Bodies go in 64 KiB slices so a refusal stops them.
  const pieces = serialize(request).flatMap((piece, index) => {
    if (index === 0) return [piece];
    const slices: Buffer[] = [];
    for (let offset = 0; offset < piece.length; offset += 65_536)
      slices.push(piece.subarray(offset, offset + 65_536));
    return slices;
  });
  return new Promise((resolve) => {
    const started = performance.now();
    const received: Buffer[] = [];
    let settled = false;
    const socket: Socket = connect(port, '127.0.0.1');
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({
        status: status ? Number(status) : 0,
        ms: performance.now() - started,
        head: text.slice(0, 400),
      });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    // A server that refuses early may reset the connection while the rest is written.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      const writeNext = (index: number): void => {
        if (index >= pieces.length || received.length > 0 || socket.destroyed) return;
        if (socket.write(pieces[index]!)) setImmediate(() => writeNext(index + 1));
        else socket.once('drain', () => writeNext(index + 1));
      };
      writeNext(0);
    });
  });
}

/** The first value of a header in the request, by name in any case. */
function headerOf(request: RawRequest, name: string): string | undefined {
  return request.headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Waits until the clock is early in a second, so a timestamp read now is still valid when verified. */
async function earlyInSecond(): Promise<void> {
  while (Date.now() % 1000 > 200) await new Promise((resolve) => setTimeout(resolve, 10));
}

interface Sent {
  readonly name: string;
  readonly category: string;
  readonly expected: number;
  readonly answer: Answer;
  readonly request: RawRequest;
  readonly publishes: boolean;
}

describe('bad-input corpus against the real gateway', () => {
  const key = parseSecret(SECRET, 'SECRET').key;
  const ctx: CaseContext = {
    key,
    otherKey: parseSecret(OTHER_SECRET, 'SECRET').key,
    bodyLimitBytes: BODY_LIMIT,
    toleranceSeconds: 300,
    nowSeconds: () => Math.floor(Date.now() / 1000),
    marker: MARKER,
  };
  const topic = uniqueName('bad-input-raw').replace(/_/g, '.');
  const sent: Sent[] = [];
  let logs: CapturedLogs;
  let gateway: RunningGateway;
  let port: number;

  const goodDelivery = (id: string): RawRequest => {
    const body = eventBody(ctx, id);
    const timestamp = String(ctx.nowSeconds());
    return {
      headers: [
        ['content-type', 'application/json'],
        ['webhook-id', id],
        ['webhook-timestamp', timestamp],
        ['webhook-signature', sign(key, id, timestamp, body)],
      ],
      body,
    };
  };

  beforeAll(async () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(80);
    const env = readStackEnv();
    logs = captureLogs('debug');
    const config = parseGatewayConfig({
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
      ALLO_WEBHOOK_SECRET: SECRET,
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      SIGNATURE_TOLERANCE_SECONDS: String(ctx.toleranceSeconds),
      RAW_TOPIC: topic,
      RAW_TOPIC_PARTITIONS: '2',
    });
    gateway = await startGateway(config, logs.logger);
    port = Number(new URL(gateway.url).port);
  });

  afterAll(async () => {
    await gateway?.close();
    const admin = testKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('answers every case with its expected status, never a 5xx', async () => {
    for (const [index, c] of BAD_INPUT_CASES.entries()) {
      if (c.clockSensitive) await earlyInSecond();
      const request = c.build(ctx, `msg_bad${String(index).padStart(3, '0')}`);
      const answer = await sendRaw(port, request);
      sent.push({
        name: c.name,
        category: c.category,
        expected: c.status,
        answer,
        request,
        publishes: c.publishes,
      });
    }
    const wrong = sent
      .filter((s) => s.answer.status !== s.expected)
      .map(
        (s) =>
          `${s.name}: expected ${s.expected}, got ${s.answer.status} ${s.answer.head.split('\r\n\r\n')[1]?.slice(0, 120) ?? ''}`,
      );
    expect(wrong).toEqual([]);
    const slow = sent
      .filter((s, index) => s.answer.ms > (BAD_INPUT_CASES[index]!.withinMs ?? Infinity))
      .map((s) => `${s.name}: ${s.answer.ms.toFixed(0)} ms`);
    expect(slow).toEqual([]);
    for (const s of sent.filter((_, index) => BAD_INPUT_CASES[index]!.withinMs !== undefined))
      console.log(`bad-input: "${s.name}" answered ${s.answer.status} in ${s.answer.ms.toFixed(1)} ms`);
    // No `__proto__` key in a body reached a prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('serves other requests while a half-sent request stalls', async () => {
    const stalledId = 'msg_stalled_half_sent';
    const stalled = goodDelivery(stalledId);
    const body = stalled.body!;
    const socket = connect(port, '127.0.0.1');
    const stalledAnswer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => stalledAnswer.push(chunk));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const head = [
      `POST ${WEBHOOK_PATH} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...stalled.headers.map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${body.length}`,
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(body.subarray(0, Math.floor(body.length / 2)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const good = goodDelivery('msg_during_stall');
    const answer = await sendRaw(port, good);
    expect(answer.status).toBe(200);
    expect(stalledAnswer).toEqual([]);
    socket.destroy();
    sent.push({
      name: 'half-sent request (stalled, then dropped)',
      category: 'requests',
      expected: 0,
      answer: { status: 0, ms: 0, head: '' },
      request: stalled,
      publishes: false,
    });
    sent.push({
      name: 'good delivery during the stall',
      category: 'requests',
      expected: 200,
      answer,
      request: good,
      publishes: true,
    });
  });

  it('acknowledges a good delivery right after thousands of concurrent bad requests', async () => {
    const TOTAL = 3000;
    const IN_FLIGHT = 500;
    const bad = (n: number): RawRequest => {
      const base = goodDelivery(`msg_flood${n}`);
      if (n % 3 === 0)
        return {
          ...base,
          headers: base.headers.map(([k, v]) => [
            k,
            k === 'webhook-signature' ? `v1,${Buffer.alloc(32, n % 256).toString('base64')}` : v,
          ]),
        };
      if (n % 3 === 1) return { ...base, headers: base.headers.filter(([k]) => k !== 'webhook-timestamp') };
      return { ...base, path: `/webhooks/allo/nope${n}` };
    };
    const expected = (n: number) => (n % 3 === 0 ? 401 : n % 3 === 1 ? 400 : 404);
    const started = performance.now();
    const statuses = new Map<string, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        const n = next++;
        const answer = await sendRaw(port, bad(n));
        const verdict =
          answer.status === expected(n) ? 'as expected' : `got ${answer.status} for ${expected(n)}`;
        statuses.set(verdict, (statuses.get(verdict) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const floodMs = performance.now() - started;
    const good = goodDelivery('msg_after_flood');
    const answer = await sendRaw(port, good);
    console.log(
      `bad-input: ${TOTAL} bad requests (${IN_FLIGHT} at a time) in ${floodMs.toFixed(0)} ms; the good one after them: ${answer.status} in ${answer.ms.toFixed(0)} ms`,
    );
    expect(Object.fromEntries(statuses)).toEqual({ 'as expected': TOTAL });
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(2000);
    sent.push({
      name: 'good delivery after the flood',
      category: 'requests',
      expected: 200,
      answer,
      request: good,
      publishes: true,
    });
  });

  it('published exactly the accepted deliveries, byte-exact, and nothing else', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const inLog = offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
    const collector = await collectTopics(testKafka(), [topic]);
    const codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
    let records: RawWebhookRecord[];
    try {
      await collector.until(`${inLog} records`, (messages) => messages.length >= inLog, 30_000);
      records = await Promise.all(collector.messages.map((m) => codec.decode(m.message.value)));
    } finally {
      await collector.stop();
    }
    const accepted = sent.filter((s) => s.publishes);
    const expectedIds = accepted.map((s) => headerOf(s.request, 'webhook-id')!).sort();
    expect(records.map((r) => r.webhookId).sort()).toEqual(expectedIds);
    for (const s of accepted) {
      const record = records.find((r) => r.webhookId === headerOf(s.request, 'webhook-id'));
      expect([s.name, record?.body.equals(s.request.body ?? Buffer.alloc(0))]).toEqual([s.name, true]);
    }
    const byStatus: Record<string, number> = {};
    const byCategory: Record<string, number> = {};
    for (const s of sent.slice(0, BAD_INPUT_CASES.length)) {
      byStatus[s.answer.status] = (byStatus[s.answer.status] ?? 0) + 1;
      byCategory[s.category] = (byCategory[s.category] ?? 0) + 1;
    }
    console.log(
      `bad-input corpus: ${BAD_INPUT_CASES.length} cases (${Object.entries(byCategory)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}); ` +
        `by status ${Object.entries(byStatus)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}; ` +
        `published ${records.length} (${accepted.length} expected: ${BAD_INPUT_CASES.filter((c) => c.publishes).length} corpus cases + 2 good deliveries), ` +
        `${sent.length - accepted.length} must-not-publish requests and the 3,000 of the flood, none published`,
    );
  });

  it('logged no secret, signature or body', async () => {
    const res = await sendRaw(port, { method: 'GET', path: '/healthz', headers: [] });
    expect(res.status).toBe(200);
    const signatures = new Set<string>();
    for (const s of sent) {
      for (const [name, value] of s.request.headers) {
        if (name.toLowerCase() !== 'webhook-signature') continue;
        for (const entry of value.split(' '))
          if (/^v1,[A-Za-z0-9+/]{43}=$/.test(entry)) signatures.add(entry.slice(3));
      }
    }
    expect(signatures.size).toBeGreaterThan(10);
    expect(logs.lines.length).toBeGreaterThan(50);
    const leaks = logs.leaks([
      ...secretStrings('webhook secret', SECRET),
      ...secretStrings('unknown secret', OTHER_SECRET),
      ...[...signatures].map((value) => ({ what: 'a webhook-signature digest', value })),
      { what: 'a body fragment', value: MARKER },
    ]);
    expect(leaks).toEqual([]);
  });
});
