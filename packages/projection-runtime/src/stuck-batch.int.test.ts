import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Producer } from 'kafkajs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, rawRecordHeaders, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { ensureLiveGeneration, migrateToLatest, type ReadModelDatabase } from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  createTestTopics,
  readStackEnv,
  uniqueName,
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { alloFixtures, fixtureId, publishFixtures, waitUntil } from './allo-fixtures.js';
import { readProjectionStatus } from './projection-status.js';
import { ProjectorRunner } from './projector-runner.js';

// Issue 11: a projector that keeps retrying one batch says so. The messages table is held locked
// by another session while the runner's sessions run with a short lock_timeout, so its batch
// fails with a transient error (55P03) on every attempt: past the threshold /readyz turns red
// with the reason, and status shows the partition, offset and error; once the lock goes, the
// batch commits (nothing skipped, nothing dead-lettered) and both turn green again.

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, rebalanceTimeout: 6000 };

let topics: TestTopics;
let testDb: TestDatabase<ReadModelDatabase>;
let impatient: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let admin: Admin;
let topic: string;

beforeAll(async () => {
  topics = await createTestTopics(['stuck_raw'], 1);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('stuck');
  await migrateToLatest(testDb.db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(testDb.db, 'messages');
  const url = new URL(testDb.url);
  url.searchParams.set('options', '-c lock_timeout=200');
  impatient = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString() }) }),
  });
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  admin = topics.kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await producer?.disconnect();
  await impatient?.destroy();
  await testDb?.drop();
  await topics?.drop();
});

describe('a batch that keeps failing transiently', () => {
  it('turns readiness red with the reason past the threshold, and green once it commits', async () => {
    const runner = new ProjectorRunner({
      kafka: topics.kafka,
      db: impatient,
      codec,
      projection: PROJECTIONS.messages,
      rawTopic: topic,
      groupId: uniqueName('stuck'),
      logger,
      metrics: new Registry(),
      now: Date.now,
      target: { kind: 'live' },
      consumer: FAST,
      watchIntervalMs: 300,
      retry: { initialMs: 50, maxMs: 200 },
      stuckAfterMs: 1_000,
    });
    await runner.start();
    const lock = await testDb.db.connection().execute(async (session) => {
      await sql`begin`.execute(session);
      await sql`lock table read_model_messages_g1.messages in access exclusive mode`.execute(session);
      try {
        await publishFixtures(producer, codec, topic, [
          alloFixtures.smsReceived({ id: fixtureId('msg_'), content: 'held up', at: new Date() }),
        ]);
        await waitUntil(
          'readiness to report the stuck batch',
          () => Promise.resolve(!runner.readiness().ready),
          20_000,
        );
        const readiness = runner.readiness();
        await waitUntil(
          'the stuck fault to be recorded',
          async () => (await readProjectionStatus(testDb.db, admin, 'messages', topic)).problems.length > 0,
        );
        const status = await readProjectionStatus(testDb.db, admin, 'messages', topic);
        return { readiness, status };
      } finally {
        await sql`rollback`.execute(session);
      }
    });
    try {
      expect(lock.readiness).toMatchObject({
        ready: false,
        reason: expect.stringContaining('is stuck on partition 0'),
      });
      expect(lock.readiness).toMatchObject({ reason: expect.stringContaining('SQLSTATE 55P03') });
      const [problem] = lock.status.problems;
      expect(problem).toMatchObject({
        kind: 'stuck',
        detail: [{ partition: 0, fromOffset: '0', toOffset: '0' }],
      });
      process.stdout.write(
        `\nstuck projector readiness: ${lock.readiness.ready ? '' : lock.readiness.reason}\n`,
      );

      await waitUntil(
        'the batch to commit once the lock is gone',
        () => Promise.resolve(runner.readiness().ready),
        20_000,
      );
      await waitUntil(
        'the stuck fault to be cleared',
        async () => (await readProjectionStatus(testDb.db, admin, 'messages', topic)).problems.length === 0,
      );
      const { rows } = await sql<{ n: string }>`select count(*) as n from read_model.messages`.execute(
        testDb.db,
      );
      const dead = await testDb.db.selectFrom('read_model.dead_letters').selectAll().execute();
      expect(Number(rows[0]!.n)).toBe(1);
      expect(dead).toEqual([]);
    } finally {
      await runner.stop();
    }
  }, 90_000);
});

describe('batches of several partitions applied at once', () => {
  // Partition 0's batch keeps failing on a held row while partition 1's batch, fetched with it,
  // commits beside it (with one partition at a time, partition 1 would wait behind partition 0's
  // retries); the projection is then reported stuck on partition 0 alone, and catches up once
  // the row is released.
  it('commit beside a partition that keeps failing, which alone is reported stuck', async () => {
    const two = await createTestTopics(['stuck_two_raw'], 2);
    const twoTopic = two.names[0]!;
    const twoCodec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, twoTopic);
    const encode = (partition: number, records: readonly RawWebhookRecord[]) =>
      Promise.all(
        records.map(async (record) => ({
          key: record.webhookId,
          partition,
          value: await twoCodec.encode(record),
          headers: rawRecordHeaders(record),
        })),
      );
    const messageCount = async (ids: readonly string[]) => {
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from read_model.messages where message_id = any(${ids}::text[])`.execute(
        testDb.db,
      );
      return Number(rows[0]!.n);
    };
    const runner = new ProjectorRunner({
      kafka: two.kafka,
      db: impatient,
      codec: twoCodec,
      projection: PROJECTIONS.messages,
      rawTopic: twoTopic,
      groupId: uniqueName('stuck-two'),
      logger,
      metrics: new Registry(),
      now: Date.now,
      target: { kind: 'live' },
      consumer: FAST,
      watchIntervalMs: 300,
      retry: { initialMs: 50, maxMs: 200 },
      stuckAfterMs: 1_000,
      partitionsConcurrently: 2,
    });
    await runner.start();
    const held = fixtureId('msg_');
    try {
      await producer.send({
        topic: twoTopic,
        messages: await encode(0, [alloFixtures.smsReceived({ id: held, content: 'first', at: new Date() })]),
      });
      await waitUntil('the first message to be projected', async () => (await messageCount([held])) === 1);
      const others = Array.from({ length: 5 }, () => fixtureId('msg_'));
      const observed = await testDb.db.connection().execute(async (session) => {
        await sql`begin`.execute(session);
        await sql`select 1 from read_model_messages_g1.messages where message_id = ${held} for update`.execute(
          session,
        );
        try {
          // In one request, so that one fetch holds both: a second delivery of the held message
          // (a new webhook id, so it must update the held row) and five new messages.
          await producer.send({
            topic: twoTopic,
            messages: [
              ...(await encode(0, [
                alloFixtures.smsReceived({ id: held, content: 'edited', at: new Date() }),
              ])),
              ...(await encode(
                1,
                others.map((id) => alloFixtures.smsReceived({ id, content: 'beside', at: new Date() })),
              )),
            ],
          });
          await waitUntil(
            'partition 1 to commit beside it',
            async () => (await messageCount(others)) === 5,
            20_000,
          );
          await waitUntil(
            'partition 0 to be reported stuck',
            () => Promise.resolve(!runner.readiness().ready),
            20_000,
          );
          return runner.readiness();
        } finally {
          await sql`rollback`.execute(session);
        }
      });
      expect(observed).toMatchObject({
        ready: false,
        reason: expect.stringContaining('is stuck on partition 0'),
      });
      await waitUntil(
        'readiness once the lock is gone',
        () => Promise.resolve(runner.readiness().ready),
        20_000,
      );
      const { rows } = await sql<{ content: string }>`
        select content from read_model.messages where message_id = ${held}`.execute(testDb.db);
      expect(rows).toEqual([{ content: 'edited' }]);
    } finally {
      await runner.stop();
      await two.drop();
    }
  }, 90_000);
});
