// Freshness and memory of the whole pipeline as `npm start` runs it: every service as its own
// process (services/*/dist/main.js) on a fresh raw topic and a fresh database. An open-loop load
// posts signed sms.received events at a fixed rate (1k/s for 60 s by default); each event's
// freshness is the time from the gateway's 2xx to the message being listed by the query API
// (GET /v1/messages, newest first, polled back to back, the way a dashboard would). Prints one
// JSON line for freshness and one per service with its peak RSS (VmHWM).
// Needs the stack (`npm run bench` starts it).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { generateSecret, parseSecret, signWebhook } from '@allo-pipeline/webhook-signature';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(process.env.FRESHNESS_RATE ?? 1000);
const SECONDS = Number(process.env.FRESHNESS_SECONDS ?? 60);
// The newest 200 messages (200 ms of traffic at 1k/s) every 5 ms: an event later than the window
// is never listed and counts as infinitely late (it lands above p99 if more than 1 % are). Polled
// back to back instead, the poller alone kept the query API at half a core.
const POLL_LIMIT = 200;
const POLL_EVERY_MS = 5;
for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL']) {
  if (!process.env[name]) throw new Error(`${name} not set: run it through npm run bench`);
}

const suffix = `${Date.now().toString(36)}_${process.pid}`;
const database = `bench_fresh_${suffix}`;
const topic = `bench.fresh.${suffix}`;
const secretText = generateSecret();
const secret = parseSecret(secretText, 'bench');
const token = `bench-${suffix}`;
const ports = { gateway: 18995, api: 18996, calls: 18997, messages: 18998, contacts: 18999, stream: 19000 };

async function admin(text) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function startServices() {
  const databaseUrl = new URL(process.env.DATABASE_URL);
  databaseUrl.pathname = `/${database}`;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl.toString(),
    RAW_TOPIC: topic,
    ALLO_WEBHOOK_SECRET: secretText,
    API_TOKENS: token,
    GATEWAY_PORT: String(ports.gateway),
    API_PORT: String(ports.api),
    PROJECTOR_CALLS_PORT: String(ports.calls),
    PROJECTOR_MESSAGES_PORT: String(ports.messages),
    PROJECTOR_CONTACTS_PORT: String(ports.contacts),
    ANALYTICS_STREAM_PORT: String(ports.stream),
    ANALYTICS_CALLS_TOPIC: `${topic}.calls`,
    ANALYTICS_MESSAGES_TOPIC: `${topic}.messages`,
    ANALYTICS_CONTACTS_TOPIC: `${topic}.contacts`,
    ANALYTICS_STREAM_GROUP_ID: `bench-fresh-stream-${suffix}`,
    LOG_LEVEL: 'info',
  };
  const logFile = join(tmpdir(), `allo-bench-freshness-${suffix}.log`);
  const log = createWriteStream(logFile);
  const services = readdirSync(join(root, 'services'))
    .map((name) => ({ name, main: join(root, 'services', name, 'dist', 'main.js') }))
    .filter(({ main }) => existsSync(main))
    // FRESHNESS_SERVICES=gateway,query-api,…: run only these (to see what the others cost).
    .filter(
      ({ name }) =>
        !process.env.FRESHNESS_SERVICES || process.env.FRESHNESS_SERVICES.split(',').includes(name),
    )
    .map(({ name, main }) => {
      // FRESHNESS_PROFILE_DIR=<dir>: each service writes <dir>/<service>.cpuprofile when it stops.
      const profile = process.env.FRESHNESS_PROFILE_DIR
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${process.env.FRESHNESS_PROFILE_DIR}`,
            `--cpu-prof-name=${name}.cpuprofile`,
          ]
        : [];
      const child = spawn(process.execPath, [...profile, main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      log.setMaxListeners(64);
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      return { name, child };
    });
  return { services, logFile };
}

const readyPort = {
  gateway: ports.gateway,
  'query-api': ports.api,
  'projector-calls': ports.calls,
  'projector-messages': ports.messages,
  'projector-contacts': ports.contacts,
  'analytics-stream': ports.stream,
};

async function waitUntilReady(services, logFile) {
  const deadline = Date.now() + 120_000;
  for (const { name, child } of services) {
    const port = readyPort[name];
    if (port === undefined) continue;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see ${logFile}`);
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`${name} not ready after 120 s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** CPU seconds (user + system) a process has used so far. */
const cpuSeconds = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
};

/** The stack server listening on `port` and its child processes (Postgres backends), or []. */
function stackProcesses(port) {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    if (!pid) return [];
    // pgrep exits 1 when there is no child.
    const children = (() => {
      try {
        return execFileSync('pgrep', ['-P', pid], { encoding: 'utf8' }).split('\n').filter(Boolean);
      } catch {
        return [];
      }
    })();
    return [pid, ...children];
  } catch {
    return [];
  }
}

const stackServers = () => {
  const port = (url) => Number(new URL(url).port);
  return [
    { name: 'kafka', port: Number(process.env.KAFKA_BROKERS.split(',')[0].split(':').at(-1)) },
    { name: 'postgres (all backends)', port: port(process.env.DATABASE_URL) },
    { name: 'schema registry', port: port(process.env.SCHEMA_REGISTRY_URL) },
  ];
};

const peakRssMb = (pid) => {
  try {
    const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
};

function smsDelivery(i) {
  const now = new Date();
  const id = `msg_fresh_${suffix}_${i}`;
  const body = JSON.stringify({
    topic: 'sms.received',
    version: '2.0',
    timestamp: now.toISOString(),
    data: {
      id,
      direction: 'INBOUND',
      type: 'SMS',
      content: 'Is the 3 pm appointment still on?',
      sent_at: now.toISOString(),
      // Many conversations, as a busy account has: one shared pair would make every batch
      // update the same conversation row, one after the other.
      from_number: `+1415${String(5_000_000 + (i % 20_000)).padStart(7, '0')}`,
      to_number: '+14155550100',
    },
  });
  const webhookId = `msg_wh_${suffix}_${i}`;
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ id: webhookId, timestamp, body, secret }),
    },
  };
}

function post(agent, delivery) {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: ports.gateway,
        path: '/webhooks/allo',
        method: 'POST',
        headers: delivery.headers,
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', () => resolve(0));
    req.end(delivery.body);
  });
}

/** Lists the newest messages back to back; `seen` gets the first time each id was listed. */
async function pollVisible(seen, stop) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: ports.api,
          path: `/v1/messages?limit=${POLL_LIMIT}`,
          headers: { authorization: `Bearer ${token}` },
          agent,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString() : null));
        },
      );
      req.on('error', () => resolve(null));
      req.end();
    });
  let polls = 0;
  let pollingMs = 0;
  while (!stop()) {
    const asked = performance.now();
    const next = asked + POLL_EVERY_MS;
    const text = await get();
    const at = performance.now();
    polls += 1;
    pollingMs += at - asked;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (text === null) continue;
    for (const row of JSON.parse(text).data ?? []) {
      const id = row.message_id ?? row.id;
      if (!seen.has(id)) seen.set(id, at);
    }
  }
  agent.destroy();
  return { polls, meanPollMs: polls ? pollingMs / polls : null };
}

async function measure() {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const ackedAt = new Map();
  const seen = new Map();
  let refused = 0;
  let stopPolling = false;
  const poller = pollVisible(seen, () => stopPolling);
  const total = RATE * SECONDS;
  const started = performance.now();
  const inFlight = new Set();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * RATE) / 1000) + 1);
    for (; sent < due; sent += 1) {
      const delivery = smsDelivery(sent);
      const p = post(agent, delivery).then((status) => {
        if (status === 200) ackedAt.set(delivery.id, performance.now());
        else refused += 1;
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  // Let the tail become visible (bounded), then stop polling.
  const tailDeadline = performance.now() + 30_000;
  while ([...ackedAt.keys()].some((id) => !seen.has(id)) && performance.now() < tailDeadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  stopPolling = true;
  const { polls, meanPollMs } = await poller;
  agent.destroy();
  const lags = [];
  let missing = 0;
  for (const [id, acked] of ackedAt) {
    const visible = seen.get(id);
    if (visible === undefined) {
      missing += 1;
      lags.push(Number.POSITIVE_INFINITY);
    }
    // Listed before our client read the 2xx: visible at once.
    else lags.push(Math.max(0, visible - acked));
  }
  if (process.env.FRESHNESS_TIMELINE) {
    // Where the late ones are in time: count of events later than 75 ms per 500 ms of the run.
    const buckets = new Map();
    for (const [id, acked] of ackedAt) {
      const lag = (seen.get(id) ?? Number.POSITIVE_INFINITY) - acked;
      if (lag <= 75) continue;
      const bucket = Math.floor((acked - started) / 500);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    }
    process.stderr.write(
      `late (>75 ms) per 500 ms: ${JSON.stringify([...buckets].sort((a, b) => a[0] - b[0]))}\n`,
    );
  }
  lags.sort((a, b) => a - b);
  // null: later than the poll window (see POLL_LIMIT).
  const pct = (p) => {
    const lag = lags[Math.min(lags.length - 1, Math.floor(lags.length * p))];
    return lag === undefined || !Number.isFinite(lag) ? null : Number(lag.toFixed(1));
  };
  return {
    sent: total,
    acknowledged: ackedAt.size,
    refused,
    missing,
    polls,
    meanPollMs: meanPollMs === null ? null : Number(meanPollMs.toFixed(1)),
    p50: pct(0.5),
    p99: pct(0.99),
    max: pct(1),
  };
}

await admin(`CREATE DATABASE "${database}"`);
const kafka = new Kafka({
  clientId: 'freshness-bench',
  brokers: process.env.KAFKA_BROKERS.split(','),
  logLevel: logLevel.ERROR,
});
const kafkaAdmin = kafka.admin();
await kafkaAdmin.connect();
const { services, logFile } = startServices();
try {
  await waitUntilReady(services, logFile);
  const cpuBefore = services.map(({ child }) => cpuSeconds(child.pid));
  const stackPids = stackServers().map((server) => ({ ...server, pids: stackProcesses(server.port) }));
  const stackCpu = () =>
    stackPids.map(({ pids }) => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0));
  const stackBefore = stackCpu();
  const measuredFrom = performance.now();
  const result = await measure();
  const measuredSeconds = (performance.now() - measuredFrom) / 1000;
  const stackAfter = stackCpu();
  const cpuPercent = services.map(({ child }, i) => {
    const after = cpuSeconds(child.pid);
    const before = cpuBefore[i];
    return after === null || before === null ? null : Math.round(((after - before) * 100) / measuredSeconds);
  });
  console.log(
    JSON.stringify({
      bench: 'freshness/gateway-2xx-to-query-api',
      ratePerSecond: RATE,
      seconds: SECONDS,
      sent: result.sent,
      acknowledged: result.acknowledged,
      refused: result.refused,
      neverVisible: result.missing,
      polls: result.polls,
      meanPollMs: result.meanPollMs,
      p50Ms: result.p50,
      p99Ms: result.p99,
      maxMs: result.max,
    }),
  );
  if (process.env.FRESHNESS_DUMP_METRICS) {
    const text = await fetch(`http://127.0.0.1:${ports.messages}/metrics`).then((r) => r.text());
    process.stderr.write(
      text
        .split('\n')
        .filter((l) => /batch_(size|duration).*(sum|count)/.test(l))
        .join('\n') + '\n',
    );
  }
  services.forEach(({ name, child }, i) => {
    console.log(
      JSON.stringify({
        bench: `memory/freshness-run/${name}`,
        service: name,
        peakRssMb: peakRssMb(child.pid),
        // Share of one core while the load ran: what each service costs at this rate.
        cpuPercent: cpuPercent[i],
      }),
    );
  });
  stackPids.forEach(({ name, pids }, i) => {
    if (pids.length === 0) return;
    console.log(
      JSON.stringify({
        bench: `memory/freshness-run/stack/${name}`,
        service: `${name} (stack)`,
        peakRssMb: peakRssMb(pids[0]),
        cpuPercent: Math.round(((stackAfter[i] - stackBefore[i]) * 100) / measuredSeconds),
      }),
    );
  });
  // The load generator and poller (this process) share the machine too.
  const ownCpu = process.cpuUsage();
  console.log(
    JSON.stringify({
      bench: 'memory/freshness-run/load-generator',
      service: 'load generator and poller (the benchmark)',
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuPercent: Math.round((ownCpu.user + ownCpu.system) / 10_000 / measuredSeconds),
    }),
  );
} finally {
  for (const { child } of services) child.kill('SIGTERM');
  await Promise.all(
    services.map(({ child }) => new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)))),
  );
  await kafkaAdmin
    .deleteTopics({ topics: [topic, `${topic}.calls`, `${topic}.messages`, `${topic}.contacts`] })
    .catch(() => undefined);
  await kafkaAdmin.disconnect();
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
}
