import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { stackDown, stackUp } from '@allo-pipeline/infra';
import {
  alloFixtures,
  fetchWatermarks,
  fixtureId,
  ProjectorRunner,
  readProjectionStatus,
  readStoredOffsets,
  TruncatedLogError,
  waitUntil,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, rawRecordHeaders } from '@allo-pipeline/raw-webhook-record';
import {
  ensureLiveGeneration,
  migrateToLatest,
  readLiveGeneration,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import {
  createTestDatabase,
  freePort,
  readStackEnv,
  type TestDatabase,
  uniqueName,
} from '@allo-pipeline/testing';
import { rebuildProjection } from './rebuild-projection.js';

// Recovery from a log that cannot be continued, as an operator does it: `rebuild` (and its
// refusal of a truncated log), against a recreated topic, a truncated one, and a Kafka started
// on a new, empty data folder (a private broker on free ports).

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, rebalanceTimeout: 6000 };

let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;

beforeAll(async () => {
  testDb = await createTestDatabase<ReadModelDatabase>('replaced_log');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(db, 'messages');
});

afterAll(async () => {
  await testDb?.drop();
});

/** One Kafka cluster as a test uses it: client, admin, producer, and a raw topic with its codec. */
interface LogUnderTest {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly topic: string;
  readonly codec: RawRecordCodec;
  close(): Promise<void>;
}

async function openLog(brokers: string, topic: string, partitions: number): Promise<LogUnderTest> {
  const kafka = new Kafka({ clientId: 'replaced-log-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, topic, partitions);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  return {
    kafka,
    admin,
    producer,
    topic,
    codec,
    async close() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

async function createTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  await waitUntil(`topic ${topic} to be created`, async () => {
    try {
      return await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions }] });
    } catch {
      return false;
    }
  });
}

async function publishSms(log: LogUnderTest, partition: number, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, i) =>
    alloFixtures.smsReceived({ id: fixtureId('msg_'), content: `text ${i}`, at: new Date() }),
  );
  const messages = await Promise.all(
    records.map(async (r) => ({ partition, value: await log.codec.encode(r), headers: rawRecordHeaders(r) })),
  );
  await log.producer.send({ topic: log.topic, messages });
}

function liveRunner(log: LogUnderTest): ProjectorRunner {
  return new ProjectorRunner({
    kafka: log.kafka,
    db,
    codec: log.codec,
    projection: PROJECTIONS.messages,
    rawTopic: log.topic,
    groupId: uniqueName('replaced_live'),
    logger,
    metrics: new Registry(),
    now: Date.now,
    target: { kind: 'live' },
    consumer: FAST,
    watchIntervalMs: 300,
  });
}

function rebuild(log: LogUnderTest, options: { allowTruncatedLog?: boolean } = {}) {
  const deps = {
    db,
    databaseUrl: testDb.url,
    kafka: log.kafka,
    admin: log.admin,
    codec: log.codec,
    rawTopic: log.topic,
    logger,
    now: Date.now,
    consumer: FAST,
    pollMs: 50,
    groupId: uniqueName('replaced_rebuild'),
  };
  return rebuildProjection(deps, 'messages', options);
}

async function messageCount(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from read_model.messages`.execute(db);
  return Number(rows[0]!.n);
}

async function caughtUp(log: LogUnderTest): Promise<boolean> {
  const live = await readLiveGeneration(db, 'messages');
  const stored = await readStoredOffsets(db, 'messages', live!.version, log.topic);
  const marks = await fetchWatermarks(log.admin, log.topic);
  return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
}

const ready = (runner: ProjectorRunner) => () => Promise.resolve(runner.readiness().ready);
const stopped = (runner: ProjectorRunner) => () => Promise.resolve(runner.fault !== undefined);

describe('rebuild recovers a projection stopped on a log it cannot continue', () => {
  it('a recreated topic: the live projector stops, rebuild serves the new log and it resumes', async () => {
    const log = await openLog(readStackEnv().KAFKA_BROKERS, uniqueName('replaced_raw').replace(/_/g, '.'), 2);
    const runner = liveRunner(log);
    try {
      await publishSms(log, 0, 6);
      await publishSms(log, 1, 6);
      await runner.start();
      await waitUntil('the first log to be applied', () => caughtUp(log));
      const before = await messageCount();
      await log.admin.deleteTopics({ topics: [log.topic] });
      await createTopic(log.admin, log.topic, 2);
      await publishSms(log, 0, 2);
      await publishSms(log, 1, 1);
      await waitUntil('the live projector to stop', stopped(runner));
      expect(await messageCount()).toBe(before);

      const { version, partial } = await rebuild(log);
      await waitUntil('the live projector to resume on the new generation', ready(runner));
      await publishSms(log, 1, 2);
      await waitUntil(
        'new records to be applied',
        async () => (await caughtUp(log)) && (await messageCount()) === 5,
      );
      expect(version).toBe(2);
      expect(partial).toBe(false);
      expect((await readProjectionStatus(db, log.admin, 'messages', log.topic)).problems).toEqual([]);
    } finally {
      await runner.stop();
      await log.close();
    }
  });

  it('a truncated log: rebuild refuses unless --allow-truncated-log, then records a partial generation', async () => {
    const log = await openLog(
      readStackEnv().KAFKA_BROKERS,
      uniqueName('truncated_raw').replace(/_/g, '.'),
      1,
    );
    const runner = liveRunner(log);
    try {
      await publishSms(log, 0, 10);
      await log.admin.fetchTopicMetadata({ topics: [log.topic] });
      await log.admin.deleteTopicRecords({ topic: log.topic, partitions: [{ partition: 0, offset: '4' }] });
      await runner.start();
      await waitUntil('the live projector to stop on the truncated log', stopped(runner));
      expect(runner.fault!.message).toContain('nothing applied yet, but the log now starts at offset 4');

      const refused = rebuild(log);
      await expect(refused).rejects.toBeInstanceOf(TruncatedLogError);
      await expect(refused).rejects.toThrow('partition 0 starts at offset 4');
      const { partial } = await rebuild(log, { allowTruncatedLog: true });
      await waitUntil('the live projector to resume on the partial generation', ready(runner));
      const status = await readProjectionStatus(db, log.admin, 'messages', log.topic);

      expect(partial).toBe(true);
      expect(status.partial).toBe('built from a truncated log (partition 0 from 4)');
      expect(status.problems).toEqual([]);
      expect(await messageCount()).toBe(6);
    } finally {
      await runner.stop();
      await log.close();
    }
  });

  it('Kafka started on a new, empty data folder: the other cluster is noticed, rebuild recovers', async () => {
    const stateDir = mkdtempSync(join('/var/tmp', 'allo-replaced-kafka-'));
    const env = {
      ...process.env,
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
    };
    const topic = uniqueName('new_cluster_raw').replace(/_/g, '.');
    try {
      const { endpoints } = await stackUp({ stateDir, env, services: ['kafka'] });
      let log = await openLog(endpoints.kafkaBrokers, topic, 1);
      let runner = liveRunner(log);
      await publishSms(log, 0, 4);
      await runner.start();
      await waitUntil('the first log to be applied', () => caughtUp(log));
      await runner.stop();
      await log.producer.disconnect();
      await log.admin.disconnect();
      const before = await messageCount();

      await stackDown({ stateDir, env, services: ['kafka'] });
      rmSync(join(stateDir, 'kafka'), { recursive: true, force: true });
      await stackUp({ stateDir, env, services: ['kafka'] });
      log = await openLog(endpoints.kafkaBrokers, topic, 1);
      await publishSms(log, 0, 9);
      runner = liveRunner(log);
      await runner.start();
      try {
        await waitUntil('the projector to stop on the other cluster', stopped(runner));
        expect(runner.fault!.message).toMatch(
          /was read on Kafka cluster \S+, but the broker now is cluster \S+/,
        );
        expect(await messageCount()).toBe(before);
        process.stdout.write(`\nnew Kafka data folder: ${runner.fault!.message}\n`);

        await rebuild(log);
        await waitUntil('the live projector to resume', ready(runner));
        expect(await messageCount()).toBe(9);
      } finally {
        await runner.stop();
        await log.close();
      }
    } finally {
      await stackDown({ stateDir, env, services: ['kafka'] });
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 180_000);
});
