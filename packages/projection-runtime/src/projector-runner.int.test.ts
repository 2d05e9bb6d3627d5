import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  ensureLiveGeneration,
  migrateToLatest,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  createTestTopics,
  readStackEnv,
  uniqueName,
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { alloFixtures, fixtureId, publishFixtures, rawFixture, waitUntil } from './allo-fixtures.js';
import { ProjectorRunner } from './projector-runner.js';
import { fetchWatermarks, readStoredOffsets } from './position-protocol.js';

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, rebalanceTimeout: 6000 };

let topics: TestTopics;
let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let topic: string;

beforeAll(async () => {
  topics = await createTestTopics(['projector_raw'], 3);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('projector');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const name of ['calls', 'messages', 'contacts'] as const) await ensureLiveGeneration(db, name);
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await testDb?.drop();
  await topics?.drop();
});

function runner(projection: ProjectionName, groupId: string, metrics = new Registry()): ProjectorRunner {
  return new ProjectorRunner({
    kafka: topics.kafka,
    db,
    codec,
    projection: PROJECTIONS[projection],
    rawTopic: topic,
    groupId,
    logger,
    metrics,
    now: Date.now,
    target: { kind: 'live' },
    consumer: FAST,
    watchIntervalMs: 300,
  });
}

async function caughtUp(projection: ProjectionName): Promise<boolean> {
  const stored = await readStoredOffsets(db, projection, 1, topic);
  const admin = topics.kafka.admin();
  await admin.connect();
  try {
    const marks = await fetchWatermarks(admin, topic);
    return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
  } finally {
    await admin.disconnect();
  }
}

async function count(
  table: 'read_model.calls' | 'read_model.messages' | 'read_model.contacts' | 'read_model.call_tags',
): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]!.n);
}

async function appliedTotal(metrics: Registry): Promise<number> {
  const metric = await metrics.getSingleMetric('allo_projector_events_applied_total')!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

function callsFixture(n: number, base = Date.parse('2026-02-03T09:00:00Z')) {
  return Array.from({ length: n }, (_, i) => {
    const startedAt = new Date(base + i * 60_000);
    const id = fixtureId('cll_');
    const from = `+1415555${String(1000 + i).padStart(4, '0')}`;
    return [
      alloFixtures.callReceived({ from, to: '+14155550100', startedAt }),
      alloFixtures.callCompleted({ id, from, to: '+14155550100', startedAt }),
      alloFixtures.tagAdded({ callId: id, tag: 'qualified', at: new Date(startedAt.getTime() + 8 * 60_000) }),
    ];
  }).flat();
}

describe('ProjectorRunner against real Kafka, registry and Postgres', () => {
  const group = uniqueName('calls_live');
  const callsMetrics = new Registry();

  it('folds published records into the read_model views and stores the offsets', async () => {
    const at = new Date('2026-02-03T11:05:30Z');
    await publishFixtures(producer, codec, topic, [
      ...callsFixture(10),
      alloFixtures.smsReceived({ id: fixtureId('msg_'), content: 'Thursday 2pm?', at }),
      alloFixtures.contactUpdated({ id: fixtureId('con_'), jobTitle: 'VP Operations', at }),
    ]);
    const calls = runner('calls', group, callsMetrics);
    const messages = runner('messages', uniqueName('messages_live'));
    await Promise.all([calls.start(), messages.start()]);
    try {
      await waitUntil('calls caught up', () => caughtUp('calls'));
      await waitUntil('messages caught up', () => caughtUp('messages'));
      expect(await count('read_model.calls')).toBe(10);
      expect(await count('read_model.call_tags')).toBeGreaterThanOrEqual(10);
      expect(await count('read_model.messages')).toBe(1);
      expect(await count('read_model.contacts')).toBe(0);
      expect(await appliedTotal(callsMetrics)).toBe(30);
      const row = await db
        .selectFrom('read_model.projection_offsets')
        .selectAll()
        .where('projection', '=', 'calls')
        .executeTakeFirstOrThrow();
      expect(row.last_event_at).toBeInstanceOf(Date);
    } finally {
      await Promise.all([calls.stop(), messages.stop()]);
    }
  });

  it('resumes from the stored offsets after a restart, without applying anything twice', async () => {
    await publishFixtures(producer, codec, topic, callsFixture(4, Date.parse('2026-02-04T09:00:00Z')));
    const metrics = new Registry();
    // A new group id too: Kafka's committed offsets are not what positions the runner.
    const calls = runner('calls', uniqueName('calls_restarted'), metrics);
    await calls.start();
    try {
      await waitUntil('calls caught up again', () => caughtUp('calls'));
      expect(await count('read_model.calls')).toBe(14);
      expect(await appliedTotal(metrics)).toBe(12);
    } finally {
      await calls.stop();
    }
  });

  it('dead-letters undecodable values and invalid events and keeps going', async () => {
    const at = new Date('2026-02-05T10:00:00Z');
    await producer.send({
      topic,
      messages: [
        { key: 'junk', value: Buffer.from('not an avro record'), headers: { 'webhook-id': 'msg_junk' } },
      ],
    });
    await publishFixtures(producer, codec, topic, [
      alloFixtures.tagAdded({ callId: null, tag: 'orphan', at }),
      rawFixture('call.completed', Buffer.from('{"topic":"call.completed","data":'), at),
      rawFixture('sms.received', Buffer.from('{"topic":"sms.received","data":'), at),
      ...callsFixture(1, Date.parse('2026-02-05T11:00:00Z')),
    ]);
    const metrics = new Registry();
    const calls = runner('calls', group, metrics);
    await calls.start();
    try {
      await waitUntil('calls caught up past the bad records', () => caughtUp('calls'));
      expect(await count('read_model.calls')).toBe(15);
      const dead = await db
        .selectFrom('read_model.dead_letters')
        .selectAll()
        .where('projection', '=', 'calls')
        .orderBy('kafka_offset')
        .execute();
      expect(dead.map((d) => d.error.split(':')[0]).sort()).toEqual(
        ['invalid event at $', 'rejected', 'undecodable raw record'].sort(),
      );
      const junk = dead.find((d) => d.error.startsWith('undecodable'))!;
      expect(junk.webhook_id).toBe('msg_junk');
      expect(junk.raw_value?.toString()).toBe('not an avro record');
      expect(junk.headers).toEqual({ 'webhook-id': 'msg_junk' });
      expect(dead.every((d) => d.version === 1 && d.topic === topic)).toBe(true);
    } finally {
      await calls.stop();
    }
  });
});
