import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
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
import { fixtureId, fixtureRecord, publishFixtures, waitUntil } from './allo-fixtures.js';
import { fetchWatermarks, readStoredOffsets } from './position-protocol.js';
import { ProjectorRunner } from './projector-runner.js';

// Issue 11's scale-out check: two instances of projector-calls and two of projector-contacts in
// one consumer group each, against one database. A call's ringing event (keyed by number), its
// completion (keyed by call id) and an update of its caller's contact (keyed by contact id) land
// on different partitions, so different instances apply them at the same time. Every call must
// end as one merged row (no stray ringing row) and every contact at its newest state.

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 50, rebalanceTimeout: 6000 };
const CALLS = 200;

let topics: TestTopics;
let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let topic: string;

beforeAll(async () => {
  topics = await createTestTopics(['writers_raw'], 6);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('writers');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const name of ['calls', 'contacts'] as const) await ensureLiveGeneration(db, name);
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await testDb?.drop();
  await topics?.drop();
});

/** One call's three events: ringing with the caller's contact, completion, then a newer contact update. */
function callHistory(i: number): RawWebhookRecord[] {
  const startedAt = new Date(Date.parse('2026-02-03T09:00:00Z') + i * 60_000);
  const from = `+1415${String(6_000_000 + i)}`;
  const contactId = `con_writers_${i}`;
  const person = {
    id: contactId,
    name: 'Jordan',
    last_name: `Caller ${i}`,
    job_title: 'Old title',
    numbers: [from],
  };
  const at = (minutes: number) => new Date(startedAt.getTime() + minutes * 60_000);
  return [
    fixtureRecord(
      'call.received',
      { from_number: from, to_number: '+14155550100', started_at: startedAt.toISOString(), person },
      startedAt,
    ),
    fixtureRecord(
      'call.completed',
      {
        id: fixtureId('cll_'),
        from_number: from,
        to: '+14155550100',
        type: 'INBOUND',
        result: 'ANSWERED',
        start_date: startedAt.toISOString(),
      },
      at(7),
    ),
    fixtureRecord(
      'contact.updated',
      { id: contactId, name: 'Jordan', last_name: `Caller ${i}`, job_title: `New title ${i}` },
      at(8),
    ),
  ];
}

function instance(projection: ProjectionName, groupId: string): ProjectorRunner {
  return new ProjectorRunner({
    kafka: topics.kafka,
    db,
    codec,
    projection: PROJECTIONS[projection],
    rawTopic: topic,
    groupId,
    logger,
    metrics: new Registry(),
    now: Date.now,
    target: { kind: 'live' },
    consumer: FAST,
    watchIntervalMs: 500,
    retry: { initialMs: 10, maxMs: 200 },
  });
}

async function caughtUp(projection: ProjectionName): Promise<boolean> {
  const admin = topics.kafka.admin();
  await admin.connect();
  try {
    const marks = await fetchWatermarks(admin, topic);
    const stored = await readStoredOffsets(db, projection, 1, topic);
    return [...marks].every(([p, w]) => w.high === '0' || stored.get(p)?.nextOffset === w.high);
  } finally {
    await admin.disconnect();
  }
}

describe('two instances of each projector against one database', () => {
  it('merge every ringing event into its call and leave every contact at its newest state', async () => {
    const groups = { calls: uniqueName('writers_calls'), contacts: uniqueName('writers_contacts') };
    const runners = [
      instance('calls', groups.calls),
      instance('calls', groups.calls),
      instance('contacts', groups.contacts),
      instance('contacts', groups.contacts),
    ];
    for (const runner of runners) await runner.start();
    try {
      // Let both members of each group take their share of the partitions before traffic starts.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const histories = Array.from({ length: CALLS }, (_, i) => callHistory(i));
      for (let i = 0; i < histories.length; i += 20)
        await publishFixtures(producer, codec, topic, histories.slice(i, i + 20).flat());
      await waitUntil(
        'both projections to catch up',
        async () => (await caughtUp('calls')) && (await caughtUp('contacts')),
        60_000,
      );

      const { rows: stray } = await sql<{ n: string }>`
        select count(*) as n from read_model.calls where call_id like 'ringing:%'`.execute(db);
      const { rows: calls } = await sql<{ n: string }>`select count(*) as n from read_model.calls`.execute(
        db,
      );
      const { rows: stale } = await sql<{ n: string }>`
        select count(*) as n from read_model.contacts where contact_id like 'con_writers_%' and job_title not like 'New title %'`.execute(
        db,
      );
      const { rows: contacts } = await sql<{ n: string }>`
        select count(*) as n from read_model.contacts where contact_id like 'con_writers_%'`.execute(db);
      process.stdout.write(
        `\ntwo writers per projection, ${CALLS} calls: ${calls[0]!.n} call rows, ${stray[0]!.n} stray ringing rows; ` +
          `${contacts[0]!.n} contacts, ${stale[0]!.n} at an older state\n`,
      );
      expect(Number(stray[0]!.n)).toBe(0);
      expect(Number(calls[0]!.n)).toBe(CALLS);
      expect(Number(stale[0]!.n)).toBe(0);
      expect(Number(contacts[0]!.n)).toBe(CALLS);
    } finally {
      for (const runner of runners) await runner.stop();
    }
  }, 120_000);
});
