import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, rawRecordHeaders } from '@allo-pipeline/raw-webhook-record';
import { ensureLiveGeneration, migrateToLatest, type ReadModelDatabase } from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  readStackEnv,
  testKafka,
  uniqueName,
  type TestDatabase,
} from '@allo-pipeline/testing';
import { alloFixtures, fixtureId, waitUntil } from './allo-fixtures.js';
import { fetchWatermarks, readStoredOffsets, resetPosition } from './position-protocol.js';
import { readProjectionStatus } from './projection-status.js';
import { ProjectorRunner } from './projector-runner.js';

// A stored position is tied to the log it was read from. These tests replace or truncate the raw
// topic under the messages projection and check that the projector applies nothing, says why
// (readiness, recorded fault, status), and that reset-offsets or a rebuild recover.

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, rebalanceTimeout: 6000 };
const kafka = testKafka('log-continuity-test');

let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let admin: Admin;
let producer: Producer;
const topicsToDrop: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase<ReadModelDatabase>('continuity');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(db, 'messages');
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: topicsToDrop }).catch(() => undefined);
  await producer?.disconnect();
  await admin?.disconnect();
  await testDb?.drop();
});

/** Creates (or, after a delete, recreates) `topic`, retrying while the broker finishes the delete. */
async function createTopic(topic: string, numPartitions: number): Promise<void> {
  if (!topicsToDrop.includes(topic)) topicsToDrop.push(topic);
  await waitUntil(`topic ${topic} to be created`, async () => {
    try {
      return await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions }] });
    } catch {
      return false;
    }
  });
}

async function recreateTopic(topic: string, numPartitions: number): Promise<void> {
  await admin.deleteTopics({ topics: [topic] });
  await createTopic(topic, numPartitions);
}

/** Publishes `count` SMS records to one partition, the way the gateway frames them. */
async function publishSms(
  codec: RawRecordCodec,
  topic: string,
  partition: number,
  count: number,
): Promise<void> {
  const records = Array.from({ length: count }, (_, i) =>
    alloFixtures.smsReceived({ id: fixtureId('msg_'), content: `text ${i}`, at: new Date() }),
  );
  const messages = await Promise.all(
    records.map(async (r) => ({ partition, value: await codec.encode(r), headers: rawRecordHeaders(r) })),
  );
  await producer.send({ topic, messages });
}

function liveRunner(codec: RawRecordCodec, topic: string): ProjectorRunner {
  return new ProjectorRunner({
    kafka,
    db,
    codec,
    projection: PROJECTIONS.messages,
    rawTopic: topic,
    groupId: uniqueName('continuity'),
    logger,
    metrics: new Registry(),
    now: Date.now,
    target: { kind: 'live' },
    consumer: FAST,
    watchIntervalMs: 300,
  });
}

async function messageCount(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from read_model.messages`.execute(db);
  return Number(rows[0]!.n);
}

async function caughtUp(topic: string): Promise<boolean> {
  const live = (
    await db
      .selectFrom('read_model.projections')
      .select('live_version')
      .where('projection', '=', 'messages')
      .executeTakeFirstOrThrow()
  ).live_version;
  const stored = await readStoredOffsets(db, 'messages', live, topic);
  const marks = await fetchWatermarks(admin, topic);
  return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
}

/** A fresh topic and codec, with `perPartition` records applied and the runner stopped (as before a restart). */
async function appliedLog(
  partitions: number,
  perPartition: number,
): Promise<{ topic: string; codec: RawRecordCodec }> {
  const topic = uniqueName('continuity_raw').replace(/_/g, '.');
  await createTopic(topic, partitions);
  const codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  for (let p = 0; p < partitions; p += 1) await publishSms(codec, topic, p, perPartition);
  const runner = liveRunner(codec, topic);
  await runner.start();
  await waitUntil('the first log to be applied', () => caughtUp(topic));
  await runner.stop();
  return { topic, codec };
}

async function resetMessages(topic: string): Promise<void> {
  await db.deleteFrom('read_model.projection_offsets').where('projection', '=', 'messages').execute();
  await db.deleteFrom('read_model.projection_faults').execute();
  await sql`truncate read_model_messages_g1.messages, read_model_messages_g1.applied_webhooks`.execute(db);
  await resetPosition(db, admin, { projection: 'messages', topic }, { kind: 'earliest' });
}

async function stoppedWith(runner: ProjectorRunner, text: string): Promise<void> {
  await waitUntil(`the projector to stop with "${text}"`, () => {
    const readiness = runner.readiness();
    return Promise.resolve(!readiness.ready && readiness.reason.includes(text));
  });
}

describe('a log that cannot be continued is detected, never skipped', () => {
  it('a recreated, shorter topic: the projector refuses before applying anything and says why', async () => {
    const { topic, codec } = await appliedLog(2, 6);
    const before = await messageCount();
    const storedBefore = await readStoredOffsets(db, 'messages', 1, topic);
    await recreateTopic(topic, 2);
    await publishSms(codec, topic, 0, 2);
    await publishSms(codec, topic, 1, 2);

    const runner = liveRunner(codec, topic);
    await runner.start();
    try {
      await stoppedWith(runner, 'stored next offset 6 is above the log end 2');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const status = await readProjectionStatus(db, admin, 'messages', topic);

      expect(await messageCount()).toBe(before);
      expect(await readStoredOffsets(db, 'messages', 1, topic)).toEqual(storedBefore);
      expect(status.problems).toHaveLength(1);
      expect(status.problems[0]!.since).toBeInstanceOf(Date);
      expect(status.problems[0]!.fix).toContain('npm run cli -- rebuild messages');
      expect(runner.readiness()).toMatchObject({
        ready: false,
        fix: expect.stringContaining('reset-offsets'),
      });
      process.stdout.write(`\nrecreated shorter topic: ${status.problems[0]!.message}\n`);

      await resetPosition(db, admin, { projection: 'messages', topic }, { kind: 'earliest' });
      await waitUntil('the projector to resume after reset-offsets', () =>
        Promise.resolve(runner.readiness().ready),
      );
      await waitUntil('the new log to be applied', () => caughtUp(topic));
      expect(await messageCount()).toBe(before + 4);
      expect((await readProjectionStatus(db, admin, 'messages', topic)).problems).toEqual([]);
    } finally {
      await runner.stop();
      await resetMessages(topic);
    }
  });

  it('a recreated topic refilled past the stored offsets: the replaced record is noticed', async () => {
    const { topic, codec } = await appliedLog(1, 5);
    const before = await messageCount();
    await recreateTopic(topic, 1);
    await publishSms(codec, topic, 0, 12);

    const runner = liveRunner(codec, topic);
    await runner.start();
    try {
      await stoppedWith(runner, 'the record at offset 4 is not the one that was applied there');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await messageCount()).toBe(before);
      expect((await readStoredOffsets(db, 'messages', 1, topic)).get(0)?.nextOffset).toBe('5');
      process.stdout.write(`\nrecreated refilled topic: ${runner.fault!.message}\n`);
    } finally {
      await runner.stop();
      await resetMessages(topic);
    }
  });

  it('records deleted before they were applied: every partition stops until an explicit reset', async () => {
    const { topic, codec } = await appliedLog(2, 5);
    const before = await messageCount();
    await publishSms(codec, topic, 0, 5);
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '8' }] });
    await publishSms(codec, topic, 1, 3);

    const runner = liveRunner(codec, topic);
    await runner.start();
    try {
      await stoppedWith(runner, 'records 5 to 7 were deleted before they were applied');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Partition 1 is intact, yet nothing of it is applied either: the projection stops as a whole.
      expect(await messageCount()).toBe(before);
      expect(runner.readiness()).toMatchObject({ fix: expect.stringContaining('--allow-truncated-log') });
      process.stdout.write(`\ntruncated log: ${runner.fault!.message}\n`);

      await resetPosition(db, admin, { projection: 'messages', topic }, { kind: 'earliest' });
      await waitUntil('the projector to resume after reset-offsets', () =>
        Promise.resolve(runner.readiness().ready),
      );
      await waitUntil('the rest of the log to be applied', () => caughtUp(topic));
      expect(await messageCount()).toBe(before + 2 + 3);
    } finally {
      await runner.stop();
      await resetMessages(topic);
    }
  });

  it('a running projector stops within seconds when its topic is replaced under it', async () => {
    const { topic, codec } = await appliedLog(1, 6);
    const before = await messageCount();
    const runner = liveRunner(codec, topic);
    await runner.start();
    try {
      await waitUntil('the projector to be ready', () => Promise.resolve(runner.readiness().ready));
      await recreateTopic(topic, 1);
      await publishSms(codec, topic, 0, 2);
      await stoppedWith(runner, 'stored next offset 6 is above the log end 2');
      await publishSms(codec, topic, 0, 6);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await messageCount()).toBe(before);
      expect(runner.readiness().ready).toBe(false);
    } finally {
      await runner.stop();
      await resetMessages(topic);
    }
  });
});
