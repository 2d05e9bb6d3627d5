// Query API latency over 1M calls (200k messages, 100k contacts) in a fresh database: the real
// server (startQueryApi) under a keep-alive HTTP loop, 8 requests in flight. Prints one JSON line
// per case with requests/s, p50 and p99 in ms. The database is dropped at the end.
// Run: DATABASE_URL=postgres://… npx tsx services/query-api/bench/query-latency.bench.ts
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import {
  connectReadModels,
  ensureLiveGeneration,
  migrateToLatest,
  PROJECTION_NAMES,
} from '@allo-pipeline/read-models';
import {
  SEED_CUSTOMER_NUMBERS,
  SEED_SIZES,
  seedCallId,
  seedCustomerNumber,
  seedReadModels,
} from '../src/seed-read-models.js';
import { startQueryApi } from '../src/start-query-api.js';

const CONCURRENCY = 8;
const WARM_UP = 200;
const REQUESTS = 2000;
const TOKEN = 'bench-token-0123456789abcdef';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set');

function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...result, node: process.version })}\n`);
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const random = (n: number) => Math.floor(Math.random() * n);

/** GET `path()` until `count` answers, `CONCURRENCY` at a time; each must be a 200. Latencies in ms. */
async function load(base: string, agent: Agent, path: () => string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  let sent = 0;
  const get = (target: string) =>
    new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        `${base}${target}`,
        { agent, headers: { authorization: `Bearer ${TOKEN}` } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${target} answered ${res.statusCode}`));
            else {
              latencies.push(performance.now() - started);
              resolve();
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (sent < count) {
      sent += 1;
      await get(path());
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return latencies;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (ms: number) => Math.round(ms * 100) / 100;

const name = `bench_query_latency_${Date.now()}`;
const url = new URL(databaseUrl);
url.pathname = `/${name}`;
await admin(`CREATE DATABASE "${name}"`);
try {
  const db = connectReadModels(url.toString());
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
    for (const projection of PROJECTION_NAMES) await ensureLiveGeneration(db, projection);
    const seedStarted = performance.now();
    await seedReadModels(db);
    emit({ bench: 'query-latency seed', ...SEED_SIZES, ms: Math.round(performance.now() - seedStarted) });
  } finally {
    await db.destroy();
  }
  const api = await startQueryApi(
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: url.toString(),
      tokens: [TOKEN],
      kafka: null,
      rawTopic: 'allo.webhooks.raw',
      logLevel: 'warn',
      shutdownTimeoutMs: 5000,
    },
    pino({ level: 'warn' }, pino.destination(2)),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const cases: [string, () => string][] = [
      ['GET /v1/calls/:id', () => `/v1/calls/${seedCallId(1 + random(SEED_SIZES.calls))}`],
      [
        'GET /v1/calls?status=completed&direction=INBOUND&limit=50',
        () => '/v1/calls?status=completed&direction=INBOUND&limit=50',
      ],
      [
        'GET /v1/calls?number=<random>',
        () => `/v1/calls?number=${encodeURIComponent(seedCustomerNumber(random(SEED_CUSTOMER_NUMBERS)))}`,
      ],
    ];
    for (const [label, path] of cases) {
      await load(api.url, agent, path, WARM_UP);
      const started = performance.now();
      const latencies = await load(api.url, agent, path, REQUESTS);
      const elapsed = performance.now() - started;
      latencies.sort((a, b) => a - b);
      emit({
        bench: 'query-latency',
        case: label,
        concurrency: CONCURRENCY,
        requests: REQUESTS,
        requests_per_second: Math.round((REQUESTS * 1000) / elapsed),
        p50_ms: round(percentile(latencies, 50)),
        p99_ms: round(percentile(latencies, 99)),
      });
    }
  } finally {
    agent.destroy();
    await api.close();
  }
} finally {
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
