// Gateway throughput and latency, side by side in one run: (1) the gateway (Koa, Kafka acks=-1),
// (2) the peer: a hand-written node:http receiver doing one kafkajs send per request, (3) the
// bound: bare node:http that only verifies. The same signed ~1 KB call.completed requests go to
// all three from the same autocannon load, interleaved over rounds so that drift in the machine
// hits each alike. Two loads: saturation (64 connections) and a fixed 1k req/s.
// Needs the stack (`npm run bench` starts it). Prints one JSON line per contender and load.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 1000);
const secretText = generateSecret();
const secret = parseSecret(secretText, 'bench');

for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) {
  if (!process.env[name]) throw new Error(`${name} not set: run it through npm run bench`);
}

/** 256 distinct signed deliveries, cycled; signed now, so valid for the tolerance (5 min). */
function signedRequests() {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: 256 }, (_, i) => {
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
      method: 'POST',
      path: '/webhooks/allo',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(now),
        'webhook-signature': signWebhook({ id, timestamp: now, body, secret }),
      },
    };
  });
}

const peakRssMb = (pid) => {
  const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : null;
};

async function waitForPort(port) {
  for (let i = 0; i < 300; i += 1) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not start`);
}

function start(contender, env) {
  const child = spawn(process.execPath, [contender.script], {
    // LOG_LEVEL as users run it (the gateway logs accepted deliveries at debug).
    env: { ...process.env, ...env, GATEWAY_PORT: String(contender.port), LOG_LEVEL: 'info' },
    stdio: ['ignore', process.stderr, 'inherit'], // logs to our stderr, our stdout is results
  });
  return { ...contender, child, runs: { saturation: [], fixed: [] } };
}

function load(port, requests, options) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    requests,
    duration: SECONDS,
    ...options,
  });
}

/**
 * An open-loop load at a fixed rate: requests are due at even intervals whatever the answers, and
 * each latency counts from when its request was due (so a stalled server is not hidden by a
 * waiting client). autocannon's overallRate releases each second's requests together in bursts,
 * which measures the burst instead of the rate.
 */
async function fixedRate(port, requests, rate, seconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies = [];
  let failed = 0;
  let sent = 0;
  const total = rate * seconds;
  const started = performance.now();
  const inFlight = new Set();
  const send = (dueAt, spec) =>
    new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path: spec.path, method: 'POST', headers: spec.headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) failed += 1;
            latencies.push(performance.now() - dueAt);
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed += 1;
        resolve();
      });
      req.end(spec.body);
    });
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    for (; sent < due; sent += 1) {
      const promise = send(started + (sent * 1000) / rate, requests[sent % requests.length]);
      inFlight.add(promise);
      void promise.then(() => inFlight.delete(promise));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2));
  return { rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), non2xx: failed };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const topic = process.env.BENCH_TOPIC ?? `bench.gateway.${Date.now().toString(36)}`;
const kafka = new Kafka({
  clientId: 'gateway-bench',
  brokers: process.env.KAFKA_BROKERS.split(','),
  logLevel: logLevel.ERROR,
});
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  waitForLeaders: true,
  topics: [
    {
      topic,
      numPartitions: 6,
      replicationFactor: 1,
      // What the gateway itself asks of a raw topic (1 MiB bodies plus the record's overhead).
      configEntries: [{ name: 'max.message.bytes', value: '1064960' }],
    },
  ],
});
const env = { ALLO_WEBHOOK_SECRET: secretText, RAW_TOPIC: topic };
const contenders = [
  {
    key: 'gateway',
    label: 'the gateway (Koa, acks=-1, idempotent)',
    script: join(here, '..', 'dist', 'main.js'),
    port: 18990,
  },
  {
    key: 'peer',
    label: 'hand-written: node:http + one kafkajs send per request',
    script: join(here, 'hand-written-receiver.mjs'),
    port: 18991,
  },
  {
    key: 'bound',
    label: 'bare node:http, verify only, no Kafka',
    script: join(here, 'bare-verify-server.mjs'),
    port: 18992,
  },
].map((c) => start(c, env));
try {
  await Promise.all(contenders.map((c) => waitForPort(c.port)));
  const requests = signedRequests();
  for (const c of contenders) await load(c.port, requests, { connections: CONNECTIONS, duration: 2 }); // warm-up
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const c of contenders) {
      const r = await load(c.port, requests, { connections: CONNECTIONS });
      c.runs.saturation.push({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx + r.errors + r.timeouts,
      });
    }
  }
  for (const c of contenders) {
    c.runs.fixed.push(await fixedRate(c.port, requests, FIXED_RATE, SECONDS));
  }
  for (const c of contenders) {
    const pick = (runs, field) => median(runs.map((run) => run[field]));
    const line = (load, runs) => ({
      bench: `gateway/${load}/${c.key}`,
      contender: c.label,
      ...(load === 'saturation' ? { connections: CONNECTIONS } : { openLoop: true }),
      rounds: runs.length,
      secondsPerRound: SECONDS,
      requestsPerSecond: Math.round(pick(runs, 'rps')),
      p50Ms: pick(runs, 'p50'),
      p99Ms: pick(runs, 'p99'),
      non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
      peakRssMb: peakRssMb(c.child.pid),
    });
    console.log(JSON.stringify(line('saturation', c.runs.saturation)));
    console.log(JSON.stringify({ ...line('fixed-1k', c.runs.fixed), targetRate: FIXED_RATE }));
  }
} finally {
  for (const c of contenders) c.child.kill('SIGTERM');
  await Promise.all(
    contenders.map((c) => new Promise((r) => (c.child.exitCode !== null ? r() : c.child.once('exit', r)))),
  );
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
