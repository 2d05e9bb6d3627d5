// Gateway load benchmark: the same signed payloads and the same load loop against (1) the real
// gateway publishing to Kafka and (2) a bare node:http server that only verifies and replies.
// Needs the stack: run `npm run stack -- up` first (or use `npm run bench`). Prints one JSON line each.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';

const here = dirname(fileURLToPath(import.meta.url));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const secretText = generateSecret();
const secret = parseSecret(secretText, 'bench');

function payloads() {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: REQUESTS }, (_, i) => {
    const body = JSON.stringify({
      topic: 'call.completed',
      version: '2.0',
      timestamp: new Date().toISOString(),
      data: {
        id: `cll_bench_${i}`,
        from_number: '+14155550142',
        to: '+14155550100',
        type: 'INBOUND',
        result: 'ANSWERED',
        summary: 'x'.repeat(600),
        start_date: new Date().toISOString(),
        length_in_minutes: 3.5,
      },
    });
    const id = `msg_bench_${i}_${now}`;
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(now),
        'webhook-signature': signWebhook({ id, timestamp: now, body, secret }),
        'content-length': Buffer.byteLength(body),
      },
    };
  });
}

function post(agent, port, { body, headers }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      { host: '127.0.0.1', port, path: '/webhooks/allo', method: 'POST', headers, agent },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function rssMb(pid) {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function waitForPort(port) {
  for (let i = 0; i < 200; i += 1) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not start`);
}

async function load(name, script, port, env) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, GATEWAY_PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForPort(port);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const work = payloads();
    await Promise.all(work.slice(0, 500).map((p) => post(agent, port, p))); // warm-up
    const latencies = [];
    let next = 500,
      peakRss = 0,
      non2xx = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(child.pid));
    }, 100);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < work.length) {
          const { status, ms } = await post(agent, port, work[next++]);
          if (status !== 200) non2xx += 1;
          latencies.push(ms);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
    console.log(
      JSON.stringify({
        bench: name,
        requests: latencies.length,
        concurrency: CONCURRENCY,
        non2xx,
        requestsPerSecond: Math.round(latencies.length / seconds),
        p50Ms: Number(pct(0.5)),
        p99Ms: Number(pct(0.99)),
        peakRssMb: Math.round(peakRss),
      }),
    );
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) {
  if (!process.env[name])
    throw new Error(`${name} not set: start the stack (npm run stack -- up) and export its variables`);
}
const env = { ALLO_WEBHOOK_SECRET: secretText, RAW_TOPIC: process.env.BENCH_TOPIC ?? 'bench.gateway.raw' };
await load('gateway (Koa + Kafka acks=-1)', join(here, '..', 'dist', 'main.js'), 18990, env);
await load('bare node:http verify-only', join(here, 'bare-verify-server.mjs'), 18991, env);
