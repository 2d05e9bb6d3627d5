import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  connectReadModels,
  ensureLiveGeneration,
  migrateToLatest,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  createTestTopics,
  readStackEnv,
  uniqueName,
  withDatabase,
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { alloFixtures, fixtureId, publishFixtures, waitUntil } from './allo-fixtures.js';
import { ProjectorRunner } from './projector-runner.js';
import { fetchWatermarks, readStoredOffsets } from './position-protocol.js';

// A Postgres outage under a running projector: its connections are killed and the database
// refuses new ones for a few seconds while records keep arriving. The runner must retry with
// backoff (not crash, not skip) and end with every record applied exactly once.

const APPLICATION = 'outage-projector';
const CALLS = 30;

let topics: TestTopics;
let topic: string;
let testDb: TestDatabase<ReadModelDatabase>;
let runnerDb: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let admin: pg.Client;

beforeAll(async () => {
  topics = await createTestTopics(['outage_raw'], 3);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('outage');
  await migrateToLatest(testDb.db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(testDb.db, 'calls');
  // The runner's own pool, tagged so that only its sessions are killed.
  const runnerUrl = new URL(testDb.url);
  runnerUrl.searchParams.set('application_name', APPLICATION);
  runnerDb = connectReadModels(runnerUrl.toString(), { max: 4 });
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  admin = new pg.Client({ connectionString: withDatabase(readStackEnv().DATABASE_URL, 'postgres') });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await producer?.disconnect();
  await runnerDb?.destroy();
  await testDb?.drop();
  await topics?.drop();
});

function callRecords(n: number, base: number) {
  return Array.from({ length: n }, (_, i) => {
    const startedAt = new Date(base + i * 60_000);
    const id = fixtureId('cll_');
    const from = `+1415666${String(1000 + i).padStart(4, '0')}`;
    return [
      alloFixtures.callReceived({ from, to: '+14155550100', startedAt }),
      alloFixtures.callCompleted({ id, from, to: '+14155550100', startedAt }),
      alloFixtures.tagAdded({ callId: id, tag: 'qualified', at: new Date(startedAt.getTime() + 480_000) }),
    ];
  }).flat();
}

/** Kills the runner's sessions and refuses new connections to its database (or lets them in again). */
async function setOutage(database: string, down: boolean): Promise<void> {
  await admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS ${down ? 'false' : 'true'}`);
  if (down)
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
      [database, APPLICATION],
    );
}

async function caughtUp(): Promise<boolean> {
  const stored = await readStoredOffsets(testDb.db, 'calls', 1, topic);
  const kafkaAdmin = topics.kafka.admin();
  await kafkaAdmin.connect();
  try {
    const marks = await fetchWatermarks(kafkaAdmin, topic);
    return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
  } finally {
    await kafkaAdmin.disconnect();
  }
}

async function counterTotal(metrics: Registry, name: string): Promise<number> {
  const metric = await metrics.getSingleMetric(name)!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

describe('a projector during a Postgres outage', () => {
  it('retries with backoff, skips nothing and applies every record exactly once', async () => {
    const database = new URL(testDb.url).pathname.slice(1);
    const base = Date.parse('2026-04-01T09:00:00Z');
    const metrics = new Registry();
    const runner = new ProjectorRunner({
      kafka: topics.kafka,
      db: runnerDb,
      codec,
      projection: PROJECTIONS.calls,
      rawTopic: topic,
      groupId: uniqueName('outage'),
      logger: pino({ level: 'silent' }),
      metrics,
      now: Date.now,
      target: { kind: 'live' },
      consumer: {
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
        rebalanceTimeout: 6000,
      },
      watchIntervalMs: 300,
      retry: { initialMs: 50, maxMs: 500 },
    });
    await publishFixtures(producer, codec, topic, callRecords(CALLS / 2, base));
    await runner.start();
    try {
      await waitUntil('the first records to be applied', async () => {
        const { rows } = await sql<{ n: string }>`select count(*) as n from read_model.calls`.execute(
          testDb.db,
        );
        return Number(rows[0]!.n) > 0;
      });
      await setOutage(database, true);
      try {
        // Records keep arriving while Postgres is unreachable.
        await publishFixtures(producer, codec, topic, callRecords(CALLS / 2, base + 86_400_000));
        await waitUntil('the runner to fail and retry', async () => {
          return (await counterTotal(metrics, 'allo_projector_batch_retries_total')) >= 2;
        });
        await new Promise((resolve) => setTimeout(resolve, 2000));
      } finally {
        await setOutage(database, false);
      }
      await waitUntil('the runner to catch up after the outage', caughtUp, 60_000);
    } finally {
      await runner.stop();
    }
    const calls = await sql<{ n: string }>`select count(*) as n from read_model.calls`.execute(testDb.db);
    const tags = await sql<{ n: string }>`
      select count(*) as n from read_model.call_tags where tag = 'qualified' and present`.execute(testDb.db);
    expect(Number(calls.rows[0]!.n)).toBe(CALLS);
    expect(Number(tags.rows[0]!.n)).toBe(CALLS);
    expect(await counterTotal(metrics, 'allo_projector_events_applied_total')).toBe(CALLS * 3);
    expect(await counterTotal(metrics, 'allo_projector_dead_letters_total')).toBe(0);
  });
});
