import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  fetchWatermarks,
  fixtureId,
  fixtureRecord,
  ProjectorRunner,
  publishFixtures,
  readStoredOffsets,
  waitUntil,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { ensureLiveGeneration, migrateToLatest, type ReadModelDatabase } from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  createTestTopics,
  readStackEnv,
  uniqueName,
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { replayDeadLetters } from './dead-letters.js';

// Issue 11: `dlq replay` beside a live projector. The completions of 100 calls sit in the dead
// letters (as after a projection fix) while the live projector applies the same calls' ringing
// events and tags. Replay and live batches fold the same call rows at the same time; every call
// must end as one completed row with its tag, and no ringing row left on its own.

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 50, rebalanceTimeout: 6000 };
const CALLS = 100;

let topics: TestTopics;
let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let topic: string;

beforeAll(async () => {
  topics = await createTestTopics(['replay_raw'], 3);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('replay_live');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(db, 'calls');
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await testDb?.drop();
  await topics?.drop();
});

function call(i: number): { completed: RawWebhookRecord; live: RawWebhookRecord[] } {
  const startedAt = new Date(Date.parse('2026-02-03T09:00:00Z') + i * 60_000);
  const from = `+1415${String(7_000_000 + i)}`;
  const id = fixtureId('cll_');
  const at = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);
  return {
    completed: fixtureRecord(
      'call.completed',
      {
        id,
        from_number: from,
        to: '+14155550100',
        type: 'INBOUND',
        result: 'ANSWERED',
        start_date: startedAt.toISOString(),
      },
      at(7),
    ),
    live: [
      fixtureRecord(
        'call.received',
        { from_number: from, to_number: '+14155550100', started_at: startedAt.toISOString() },
        startedAt,
      ),
      fixtureRecord('tag.added', { call_id: id, tag: 'follow-up' }, at(8)),
    ],
  };
}

async function caughtUp(): Promise<boolean> {
  const admin = topics.kafka.admin();
  await admin.connect();
  try {
    const marks = await fetchWatermarks(admin, topic);
    const stored = await readStoredOffsets(db, 'calls', 1, topic);
    return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
  } finally {
    await admin.disconnect();
  }
}

describe('dlq replay under live traffic', () => {
  it('folds replayed and live events of the same calls into one row each', async () => {
    const calls = Array.from({ length: CALLS }, (_, i) => call(i));
    const deadLetters = await Promise.all(
      calls.map(async ({ completed }, i) => ({
        projection: 'calls',
        version: 1,
        topic,
        partition: 0,
        kafka_offset: 1_000_000 + i,
        webhook_id: completed.webhookId,
        error: 'rejected by an older projection',
        raw_key: null,
        raw_value: await codec.encode(completed),
        headers: '{}',
        replayed_at: null,
      })),
    );
    await db.insertInto('read_model.dead_letters').values(deadLetters).execute();
    const live = new ProjectorRunner({
      kafka: topics.kafka,
      db,
      codec,
      projection: PROJECTIONS.calls,
      rawTopic: topic,
      groupId: uniqueName('replay_live'),
      logger,
      metrics: new Registry(),
      now: Date.now,
      target: { kind: 'live' },
      consumer: FAST,
      watchIntervalMs: 300,
      retry: { initialMs: 10, maxMs: 200 },
    });
    await live.start();
    try {
      const traffic = (async () => {
        for (let i = 0; i < calls.length; i += 5)
          await publishFixtures(
            producer,
            codec,
            topic,
            calls.slice(i, i + 5).flatMap((c) => c.live),
          );
      })();
      const replayed = await replayDeadLetters(
        { db, codec },
        { projection: 'calls', target: { kind: 'all' } },
      );
      await traffic;
      await waitUntil('the live projector to catch up', caughtUp, 60_000);

      const { rows } = await sql<{ rows: string; stray: string; completed: string; tagged: string }>`
        select count(*) as rows,
               count(*) filter (where call_id like 'ringing:%') as stray,
               count(*) filter (where status = 'completed') as completed,
               count(*) filter (where exists (
                 select 1 from read_model.call_tags t where t.call_id = c.call_id and t.present)) as tagged
        from read_model.calls c`.execute(db);
      process.stdout.write(
        `\ndlq replay under live traffic: ${JSON.stringify(rows[0])} (expected ${CALLS} rows, 0 stray)\n`,
      );
      expect(replayed.every((r) => r.outcome === 'applied')).toBe(true);
      expect(rows[0]).toEqual({
        rows: String(CALLS),
        stray: '0',
        completed: String(CALLS),
        tagged: String(CALLS),
      });
    } finally {
      await live.stop();
    }
  }, 120_000);
});
