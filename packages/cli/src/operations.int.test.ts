import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  alloFixtures,
  fetchWatermarks,
  fixtureId,
  ProjectorRunner,
  publishFixtures,
  readStoredOffsets,
  waitUntil,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  createGeneration,
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  readLiveGeneration,
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
import { replayDeadLetters } from './dead-letters.js';
import { rebuildProjection, RebuildInProgressError } from './rebuild-projection.js';
import { rebuildInPlace, resetOffsets } from './reset-offsets.js';

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, rebalanceTimeout: 6000 };

let topics: TestTopics;
let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let admin: Admin;
let topic: string;
let live: ProjectorRunner;
const liveMetrics = new Registry();

beforeAll(async () => {
  topics = await createTestTopics(['cli_raw'], 3);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('cli');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(db, 'calls');
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  admin = topics.kafka.admin();
  await admin.connect();
  live = runner({ kind: 'live' }, uniqueName('calls_live'), liveMetrics);
  await live.start();
});

afterAll(async () => {
  await live?.stop();
  await admin?.disconnect();
  await producer?.disconnect();
  await testDb?.drop();
  await topics?.drop();
});

function runner(
  target: { kind: 'live' } | { kind: 'generation'; version: number },
  groupId: string,
  metrics = new Registry(),
) {
  return new ProjectorRunner({
    kafka: topics.kafka,
    db,
    codec,
    projection: PROJECTIONS.calls,
    rawTopic: topic,
    groupId,
    logger,
    metrics,
    now: Date.now,
    target,
    consumer: FAST,
    watchIntervalMs: 200,
  });
}

let callSeq = 0;
function calls(n: number): RawWebhookRecord[] {
  return Array.from({ length: n }, () => {
    callSeq += 1;
    const startedAt = new Date(Date.parse('2026-02-03T09:00:00Z') + callSeq * 60_000);
    const id = fixtureId('cll_');
    const from = `+1415${String(5_000_000 + callSeq)}`;
    return [
      alloFixtures.callCompleted({ id, from, to: '+14155550100', startedAt }),
      alloFixtures.tagAdded({
        callId: id,
        tag: `t${callSeq % 3}`,
        at: new Date(startedAt.getTime() + 600_000),
      }),
    ];
  }).flat();
}

async function liveCaughtUp(): Promise<boolean> {
  const gen = await readLiveGeneration(db, 'calls');
  const stored = await readStoredOffsets(db, 'calls', gen!.version, topic);
  const marks = await fetchWatermarks(admin, topic);
  return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
}

async function callCount(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from read_model.calls`.execute(db);
  return Number(rows[0]!.n);
}

async function reseeks(): Promise<number> {
  const metric = await liveMetrics.getSingleMetric('allo_projector_reseeks_total')!.get();
  return metric.values.filter((v) => v.labels.reason === 'epoch-changed').reduce((s, v) => s + v.value, 0);
}

describe('operator operations against a running live projector', () => {
  it('replays dead letters: still-failing ones are reported, fixed ones applied and marked', async () => {
    await publishFixtures(producer, codec, topic, [
      alloFixtures.tagAdded({ callId: null, tag: 'x', at: new Date() }),
      ...calls(3),
    ]);
    await waitUntil('live caught up', liveCaughtUp);
    expect(await callCount()).toBe(3);
    // A dead letter whose record is valid today (as after a projection fix): it must apply.
    const [fixed] = calls(1);
    await db
      .insertInto('read_model.dead_letters')
      .values({
        projection: 'calls',
        version: 1,
        topic,
        partition: 0,
        kafka_offset: 999_999,
        webhook_id: fixed!.webhookId,
        error: 'old bug',
        raw_key: null,
        raw_value: await codec.encode(fixed!),
        headers: '{}',
        replayed_at: null,
      })
      .execute();
    const results = await replayDeadLetters({ db, codec }, { projection: 'calls', target: { kind: 'all' } });
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'failed']);
    expect(results.find((r) => r.outcome === 'failed')).toMatchObject({
      error: expect.stringContaining('names no call'),
    });
    expect(await callCount()).toBe(4);
    const again = await replayDeadLetters({ db, codec }, { projection: 'calls', target: { kind: 'all' } });
    expect(again.map((r) => r.outcome)).toEqual(['failed']);
  });

  it('reset-offsets moves the stored offsets and the live projector re-seeks on the epoch bump', async () => {
    const before = await reseeks();
    const epoch = (await readLiveGeneration(db, 'calls'))!.epoch;
    await resetOffsets({ db, admin, rawTopic: topic }, 'calls', { kind: 'latest' });
    expect((await readLiveGeneration(db, 'calls'))!.epoch).not.toBe(epoch);
    await waitUntil('re-seek after reset', async () => (await reseeks()) > before, 10_000);
    await publishFixtures(producer, codec, topic, calls(2));
    await waitUntil('new calls applied after reset', async () => (await callCount()) === 6);
    // Rewind: everything is applied again, idempotently.
    await resetOffsets({ db, admin, rawTopic: topic }, 'calls', { kind: 'earliest' });
    await waitUntil('re-seek to earliest', async () => (await reseeks()) > before + 1, 10_000);
    await waitUntil('caught up after rewind', liveCaughtUp);
    expect(await callCount()).toBe(6);
  });

  it('rebuild --in-place empties the live generation and the projector replays it', async () => {
    const { bulk } = await rebuildInPlace(
      {
        db,
        databaseUrl: testDb.url,
        kafka: topics.kafka,
        admin,
        codec,
        rawTopic: topic,
        logger,
        groupId: uniqueName('in_place'),
        consumer: FAST,
      },
      'calls',
    );
    // The bulk path loaded it (a fall-back to the live path's replay would pass the rest too).
    expect(bulk).toMatchObject({ kind: 'loaded', deadLetters: 1 });
    await waitUntil(
      'replayed after in-place rebuild',
      async () => (await liveCaughtUp()) && (await callCount()) === 5,
    );
    // 5, not 6: the call that only ever existed as a replayed dead letter is gone with the truncation.
    const dead = await db
      .selectFrom('read_model.dead_letters')
      .select('error')
      .where('projection', '=', 'calls')
      .execute();
    expect(dead.map((d) => d.error)).toEqual([expect.stringContaining('names no call')]);
  });

  it('rebuilds with zero downtime under live traffic, refusing a concurrent rebuild', async () => {
    await publishFixtures(producer, codec, topic, calls(40));
    let maxSeen = 0;
    let drops = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const n = await callCount();
        if (n < maxSeen) drops += 1;
        maxSeen = Math.max(maxSeen, n);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const writer = (async () => {
      while (!stop) {
        await publishFixtures(producer, codec, topic, calls(2));
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
    const deps = {
      db,
      databaseUrl: testDb.url,
      kafka: topics.kafka,
      admin,
      codec,
      rawTopic: topic,
      logger,
      now: Date.now,
      consumer: FAST,
      pollMs: 50,
    };
    const first = rebuildProjection({ ...deps, groupId: uniqueName('rebuild') }, 'calls');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(
      rebuildProjection({ ...deps, groupId: uniqueName('rebuild2') }, 'calls'),
    ).rejects.toBeInstanceOf(RebuildInProgressError);
    const { version, previousVersion, bulk } = await first;
    expect(bulk).toBe('loaded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop = true;
    await Promise.all([reader, writer]);
    expect(previousVersion).toBe(1);
    expect((await readLiveGeneration(db, 'calls'))!.version).toBe(version);
    expect(drops).toBe(0);
    expect(maxSeen).toBeGreaterThan(45);
    await waitUntil('live projector caught up on the new generation', liveCaughtUp);
    expect(await schemaExists(generationSchema('calls', previousVersion))).toBe(false);

    // The result equals a from-scratch build of the same log.
    const scratch = version + 10;
    await createGeneration(db, 'calls', scratch);
    const fresh = runner({ kind: 'generation', version: scratch }, uniqueName('scratch'));
    await fresh.start();
    try {
      const marks = await fetchWatermarks(admin, topic);
      await waitUntil('scratch build caught up', async () => {
        const stored = await readStoredOffsets(db, 'calls', scratch, topic);
        return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
      });
    } finally {
      await fresh.stop();
    }
    const liveRows = await sql`select * from read_model.calls order by call_id`.execute(db);
    const scratchRows =
      await sql`select * from ${sql.table(`${generationSchema('calls', scratch)}.calls`)} order by call_id`.execute(
        db,
      );
    expect(liveRows.rows.length).toBeGreaterThanOrEqual(maxSeen);
    expect(liveRows.rows).toEqual(scratchRows.rows);
  });
});

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await sql<{
    n: string;
  }>`select count(*) as n from pg_namespace where nspname = ${schema}`.execute(db);
  return rows[0]!.n !== '0';
}
