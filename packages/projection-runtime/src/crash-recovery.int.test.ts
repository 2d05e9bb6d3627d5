import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admin, Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  createTestTopics,
  freePort,
  readStackEnv,
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { alloFixtures, fixtureId, fixtureRecord, publishFixtures, waitUntil } from './allo-fixtures.js';
import { classifyMessage } from './plan-batch.js';
import { fetchWatermarks, readStoredOffsets } from './position-protocol.js';

// Crash recovery of the real calls projector process: it is SIGKILLed repeatedly while records are
// being published and folded, restarted each time, and must end with exactly the rows that an
// in-process fold of the same records produces (no loss, no double count).

const MAIN = fileURLToPath(new URL('../../../services/projector-calls/dist/main.js', import.meta.url));
const KILLS = 5;
const PARTITIONS = 3;

let topics: TestTopics;
let topic: string;
let crashDb: TestDatabase<ReadModelDatabase>;
let expectedDb: TestDatabase<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let admin: Admin;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (tsc -b)`);
  topics = await createTestTopics(['crash_raw'], PARTITIONS);
  topic = topics.names[0]!;
  crashDb = await createTestDatabase<ReadModelDatabase>('crash');
  expectedDb = await createTestDatabase<ReadModelDatabase>('crash_expected');
  for (const { db } of [crashDb, expectedDb]) {
    await migrateToLatest(db as unknown as Kysely<unknown>);
    await ensureLiveGeneration(db, 'calls');
  }
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  admin = topics.kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await admin?.disconnect();
  await producer?.disconnect();
  await crashDb?.drop();
  await expectedDb?.drop();
  await topics?.drop();
});

/** A seeded generator, so a failing run can be replayed with the seed it printed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ~3,000 records: calls (ringing, completion, tags added and removed), sms, contacts, bad tags, redeliveries. */
function history(rand: () => number): RawWebhookRecord[] {
  const base = Date.parse('2026-03-02T09:00:00Z');
  const records: RawWebhookRecord[] = [];
  for (let i = 0; i < 500; i += 1) {
    const startedAt = new Date(base + i * 45_000);
    const id = fixtureId('cll_');
    const from = `+1415${String(6_000_000 + i)}`;
    const tagAt = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);
    records.push(
      alloFixtures.callReceived({ from, to: '+14155550100', startedAt }),
      alloFixtures.callCompleted({ id, from, to: '+14155550100', startedAt, tags: [`t${i % 4}`] }),
      alloFixtures.tagAdded({ callId: id, tag: 'qualified', at: tagAt(9) }),
    );
    if (i % 2 === 0) records.push(alloFixtures.tagAdded({ callId: id, tag: 'hot', at: tagAt(10) }));
    if (i % 3 === 0) records.push(fixtureRecord('tag.removed', { call_id: id, tag: 'qualified' }, tagAt(11)));
    records.push(alloFixtures.smsReceived({ id: fixtureId('msg_'), content: `Reply ${i}`, at: tagAt(2) }));
    if (i % 2 === 1)
      records.push(
        alloFixtures.contactUpdated({ id: fixtureId('con_'), jobTitle: `Role ${i}`, at: tagAt(3) }),
      );
    if (i % 50 === 0) records.push(alloFixtures.tagAdded({ callId: null, tag: 'orphan', at: tagAt(12) }));
  }
  // Shuffle (deliveries are unordered), then redeliver 10% of the records later in the log.
  for (let i = records.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  const redeliveries = Math.floor(records.length / 10);
  for (let k = 0; k < redeliveries; k += 1) {
    const from = Math.floor(rand() * records.length);
    const to = from + Math.floor(rand() * (records.length - from));
    records.splice(to, 0, records[from]!);
  }
  return records;
}

/** Applies the records in log order, in batches of 100, each in one transaction (the reference). */
async function foldInProcess(db: Kysely<ReadModelDatabase>, records: readonly RawWebhookRecord[]) {
  const projection = PROJECTIONS.calls;
  const schema = generationSchema('calls', 1);
  for (let i = 0; i < records.length; i += 100) {
    const events = records.slice(i, i + 100).flatMap((record) => {
      const verdict = classifyMessage(projection, { ok: true, record });
      return verdict.kind === 'apply' ? [verdict.event] : [];
    });
    await db.transaction().execute((trx) => projection.applyBatch(trx, schema, events));
  }
}

/** Public rows (ordered by key) and the size of the event store. */
async function snapshot(db: Kysely<ReadModelDatabase>) {
  const calls = await sql`select * from read_model.calls order by call_id collate "C"`.execute(db);
  const tags = await sql`
    select * from read_model.call_tags order by call_id collate "C", tag collate "C"`.execute(db);
  const events = await sql<{ n: string }>`
    select count(*) as n from ${sql.table(`${generationSchema('calls', 1)}.call_events`)}`.execute(db);
  return { calls: calls.rows, callTags: tags.rows, callEvents: Number(events.rows[0]!.n) };
}

async function storedTotal(): Promise<bigint> {
  const stored = await readStoredOffsets(crashDb.db, 'calls', 1, topic);
  return [...stored.values()].reduce((sum, s) => sum + BigInt(s.nextOffset), 0n);
}

async function caughtUp(): Promise<boolean> {
  const stored = await readStoredOffsets(crashDb.db, 'calls', 1, topic);
  const marks = await fetchWatermarks(admin, topic);
  return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
}

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
  } catch {
    return false;
  }
}

/** The projector service as its own process; its output is kept for failure messages. */
function spawnProjector(port: number, instance: number, output: string[]): ChildProcess {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = readStackEnv();
  const child = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL,
      DATABASE_URL: crashDb.url,
      RAW_TOPIC: topic,
      RAW_TOPIC_PARTITIONS: String(PARTITIONS),
      PROJECTOR_CALLS_PORT: String(port),
      PROJECTOR_HOST: '127.0.0.1',
      // A new group per instance: a SIGKILLed member would otherwise hold its partitions until its
      // session expires (30 s). Positions come from the stored offsets, not from the group.
      PROJECTOR_CALLS_GROUP_ID: `crash-${topic}-${instance}`,
      PROJECTOR_SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn',
    },
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => output.push(`[${instance}] ${chunk.toString()}`));
  return child;
}

/** Whether another session on the crash database is inside a multi-statement transaction (a batch). */
async function batchInFlight(): Promise<boolean> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null
      and (state = 'idle in transaction' or xact_start < query_start)`.execute(crashDb.db);
  return Number(rows[0]!.n) > 0;
}

/** SIGKILLs the process as soon as a batch transaction is open (or after 2 s); true if one was. */
async function killMidBatch(child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 2000;
  let inFlight = false;
  while (!inFlight && Date.now() < deadline) inFlight = await batchInFlight();
  child.kill('SIGKILL');
  if (!(await exited(child, 5000))) throw new Error(`projector process ${child.pid} ignored SIGKILL`);
  return inFlight;
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Waits until the stored offsets move past `from` (the process is folding), or until it has nothing
 * left to fold once everything is published; fails if it died.
 */
async function progressed(
  child: ChildProcess,
  from: bigint,
  output: string[],
  allPublished: () => boolean,
): Promise<void> {
  const check = async () => {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`projector exited early (${child.exitCode ?? child.signalCode})`);
    return (await storedTotal()) > from || (allPublished() && (await caughtUp()));
  };
  await waitUntil(`projector process ${child.pid} to commit a batch`, check, 20_000).catch((error: Error) => {
    throw new Error(`${error.message}; its output:\n${output.join('')}`);
  });
}

/**
 * Publishes the records in bursts of 100 every ~250 ms (about the length of the kill phase), so
 * kills land while the log grows; the rest goes at once when `hurry()` turns true.
 */
async function publishPaced(records: readonly RawWebhookRecord[], hurry: () => boolean): Promise<void> {
  for (let i = 0; i < records.length; i += 100) {
    await publishFixtures(producer, codec, topic, records.slice(i, i + 100));
    if (!hurry()) await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the calls projector process under repeated SIGKILL', () => {
  it('ends with exactly the rows of an in-process fold: no loss, no double count', async () => {
    const seed = Date.now();
    const rand = random(seed);
    const records = history(rand);
    const output: string[] = [];
    const port = await freePort();
    let killsDone = false;
    let allPublished = false;
    const publishing = publishPaced(records, () => killsDone).then(() => {
      allPublished = true;
    });
    publishing.catch(() => undefined); // awaited below; this only keeps an early failure handled
    let midBatchKills = 0;
    for (let instance = 0; instance < KILLS; instance += 1) {
      const before = await storedTotal();
      const child = spawnProjector(port, instance, output);
      await progressed(child, before, output, () => allPublished);
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(rand() * 500)));
      if (await killMidBatch(child)) midBatchKills += 1;
    }
    killsDone = true;
    await publishing;
    const last = spawnProjector(port, KILLS, output);
    try {
      // Ready first: it may have nothing left to fold, and must then still start and stop cleanly.
      await waitUntil('the last projector process to be ready', () => isReady(port), 30_000);
      await waitUntil('the last projector process to catch up', caughtUp, 30_000);
    } finally {
      last.kill('SIGTERM');
      if (!(await exited(last, 15_000))) last.kill('SIGKILL');
    }
    expect(last.exitCode).toBe(0);

    await foldInProcess(expectedDb.db, records);
    const [actual, expected] = await Promise.all([snapshot(crashDb.db), snapshot(expectedDb.db)]);
    const distinct = new Set(records.map((r) => r.webhookId));
    const context = `seed ${seed}, ${midBatchKills} of ${KILLS} kills inside a batch transaction`;
    expect({ context, calls: actual.calls.length }).toEqual({ context, calls: 500 });
    expect(midBatchKills).toBeGreaterThan(0);
    expect(actual.callEvents).toBe(expected.callEvents);
    expect(actual.calls).toEqual(expected.calls);
    expect(actual.callTags).toEqual(expected.callTags);
    const orphans = records.filter((r) => r.body.includes('"orphan"')).length;
    const dead = await crashDb.db
      .selectFrom('read_model.dead_letters')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(dead.n)).toBe(orphans);
    expect(distinct.size).toBeLessThan(records.length);
  }, 90_000);
});
