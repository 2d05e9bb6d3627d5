import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  alloFixtures,
  fetchWatermarks,
  fixtureId,
  fixtureRecord,
  ProjectorRunner,
  rawFixture,
  readStoredOffsets,
  waitUntil,
} from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, rawRecordHeaders, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  PROJECTION_NAMES,
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
import { listDeadLetters } from './dead-letters.js';
import { formatDeadLetters } from './format-status.js';

// Issue 11's poison test: hostile or odd input that the gateway rightly accepts and stores, each
// followed by normal events on the same partition. Every normal event must be projected within
// seconds; every bad one must be either applied (made storable) or dead-lettered with its error,
// never left blocking its partition. The table printed is the before/after evidence.

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, rebalanceTimeout: 6000 };
const EVENT_STORES: Record<ProjectionName, string> = {
  calls: 'call_events',
  messages: 'applied_webhooks',
  contacts: 'contact_events',
};

let topics: TestTopics;
let testDb: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let producer: Producer;
let admin: Admin;
let topic: string;

beforeAll(async () => {
  topics = await createTestTopics(['poison_raw'], 1);
  topic = topics.names[0]!;
  testDb = await createTestDatabase<ReadModelDatabase>('poison');
  db = testDb.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const name of PROJECTION_NAMES) await ensureLiveGeneration(db, name);
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topic);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  admin = topics.kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await producer?.disconnect();
  await testDb?.drop();
  await topics?.drop();
});

interface Poison {
  readonly name: string;
  readonly projections: readonly ProjectionName[];
  readonly record: RawWebhookRecord;
}

const at = new Date('2026-02-03T09:00:00Z');
const call = (data: Record<string, unknown>): RawWebhookRecord =>
  fixtureRecord(
    'call.completed',
    {
      id: fixtureId('cll_'),
      from_number: '+14155550142',
      to: '+14155550100',
      type: 'INBOUND',
      result: 'ANSWERED',
      start_date: at.toISOString(),
      ...data,
    },
    at,
  );
const sms = (data: Record<string, unknown>): RawWebhookRecord =>
  fixtureRecord(
    'sms.received',
    {
      id: fixtureId('msg_'),
      direction: 'INBOUND',
      from_number: '+14155550142',
      to_number: '+14155550100',
      content: 'hi',
      sent_at: at.toISOString(),
      ...data,
    },
    at,
  );
const contact = (data: Record<string, unknown>): RawWebhookRecord =>
  fixtureRecord(
    'contact.updated',
    { id: fixtureId('con_'), name: 'Jordan', last_name: 'Whitfield', ...data },
    at,
  );

/** A contact.updated body with one field nested `depth` levels deep (built as text: JSON.stringify would overflow). */
function deeplyNested(depth: number): RawWebhookRecord {
  const body = `{"topic":"contact.updated","version":"2.0","timestamp":"${at.toISOString()}","data":{"id":"${fixtureId('con_')}","name":"Deep","nested":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
  return rawFixture('contact.updated', Buffer.from(body), at);
}

const POISONS: Poison[] = [
  { name: 'NUL in SMS text', projections: ['messages'], record: sms({ content: 'before\u0000after' }) },
  {
    name: 'lone surrogate in SMS text',
    projections: ['messages'],
    record: sms({ content: 'broken \ud800 pair' }),
  },
  { name: 'NUL in a call summary', projections: ['calls'], record: call({ summary: '**Summary** \u0000' }) },
  { name: 'NUL in a contact name', projections: ['contacts'], record: contact({ name: 'Jor\u0000dan' }) },
  { name: 'call of 1e12 minutes', projections: ['calls'], record: call({ length_in_minutes: 1e12 }) },
  {
    name: 'call start in 200000 BC',
    projections: ['calls'],
    record: call({ start_date: '-200000-01-01T00:00:00Z' }),
  },
  { name: 'SMS sent in year 0', projections: ['messages'], record: sms({ sent_at: '0000-01-01T00:00:00Z' }) },
  { name: 'contact nested 100k deep', projections: ['contacts'], record: deeplyNested(100_000) },
  {
    name: 'signed non-JSON body with NUL bytes',
    projections: ['calls', 'messages', 'contacts'],
    record: rawFixture(null, gzipSync(Buffer.from('{"topic":"sms.received"}')), at),
  },
];

function normals(): RawWebhookRecord[] {
  return [
    sms({}),
    sms({}),
    call({}),
    alloFixtures.contactUpdated({ id: fixtureId('con_'), jobTitle: 'VP', at }),
    call({ summary: 'plain' }),
  ];
}

async function publish(records: readonly RawWebhookRecord[]): Promise<void> {
  const messages = await Promise.all(
    records.map(async (r) => ({ partition: 0, value: await codec.encode(r), headers: rawRecordHeaders(r) })),
  );
  await producer.send({ topic, messages });
}

function runner(projection: ProjectionName): ProjectorRunner {
  return new ProjectorRunner({
    kafka: topics.kafka,
    db,
    codec,
    projection: PROJECTIONS[projection],
    rawTopic: topic,
    groupId: uniqueName(`poison_${projection}`),
    logger,
    metrics: new Registry(),
    now: Date.now,
    target: { kind: 'live' },
    consumer: FAST,
    watchIntervalMs: 300,
    retry: { initialMs: 20, maxMs: 200 },
  });
}

async function applied(projection: ProjectionName, webhookIds: readonly string[]): Promise<Set<string>> {
  const table = sql.table(`${generationSchema(projection, 1)}.${EVENT_STORES[projection]}`);
  const { rows } = await sql<{ webhook_id: string }>`
    select webhook_id from ${table} where webhook_id = any(${webhookIds}::text[])`.execute(db);
  return new Set(rows.map((r) => r.webhook_id));
}

async function deadLettered(projection: ProjectionName): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('read_model.dead_letters')
    .select(['webhook_id', 'error'])
    .where('projection', '=', projection)
    .execute();
  return new Map(rows.map((r) => [r.webhook_id ?? '', r.error]));
}

async function caughtUp(): Promise<boolean> {
  const marks = await fetchWatermarks(admin, topic);
  for (const name of PROJECTION_NAMES) {
    const stored = await readStoredOffsets(db, name, 1, topic);
    if (stored.get(0)?.nextOffset !== marks.get(0)?.high) return false;
  }
  return true;
}

describe('hostile input never stalls a projection', () => {
  it('projects every normal event and applies or dead-letters every bad one', async () => {
    const expectedNormal = new Map<ProjectionName, string[]>(PROJECTION_NAMES.map((n) => [n, []]));
    for (const poison of POISONS) {
      const after = normals();
      await publish([poison.record, ...after]);
      for (const r of after) {
        const projection: ProjectionName =
          r.topic === 'sms.received' ? 'messages' : r.topic === 'call.completed' ? 'calls' : 'contacts';
        expectedNormal.get(projection)!.push(r.webhookId);
      }
    }
    const runners = PROJECTION_NAMES.map(runner);
    for (const r of runners) await r.start();
    const startedAt = Date.now();
    try {
      const settled = await waitUntil('every projection to reach the log end', caughtUp, 30_000).then(
        () => true,
        () => false,
      );
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      const rows: string[] = [];
      let badUnhandled = 0;
      for (const poison of POISONS) {
        for (const projection of poison.projections) {
          const isApplied = (await applied(projection, [poison.record.webhookId])).size === 1;
          const error = (await deadLettered(projection)).get(poison.record.webhookId);
          if (!isApplied && error === undefined) badUnhandled += 1;
          const outcome = isApplied
            ? 'applied'
            : error !== undefined
              ? `dead-lettered: ${error.slice(0, 70)}`
              : 'NEITHER (blocking)';
          rows.push(`  ${poison.name.padEnd(36)} ${projection.padEnd(9)} ${outcome}`);
        }
      }
      const normalCounts = await Promise.all(
        PROJECTION_NAMES.map(
          async (n) =>
            [n, (await applied(n, expectedNormal.get(n)!)).size, expectedNormal.get(n)!.length] as const,
        ),
      );
      process.stdout.write(
        [
          `\npoison test (${settled ? `all caught up in ${seconds} s` : 'NOT caught up after 30 s'}):`,
          '  input                                projection outcome',
          ...rows,
          `  normal events projected: ${normalCounts.map(([n, got, of]) => `${n} ${got}/${of}`).join(', ')}`,
          '',
        ].join('\n'),
      );
      expect(settled).toBe(true);
      expect(badUnhandled).toBe(0);
      for (const [, got, of] of normalCounts) expect(got).toBe(of);
      // Made storable, not lost: the text keeps all but the NUL, the impossible duration is none
      // (its raw value stays in data).
      const { rows: texts } = await sql<{ content: string }>`
        select content from read_model.messages where content like 'before%'`.execute(db);
      expect(texts.map((r) => r.content)).toEqual(['before\uFFFDafter']);
      const { rows: long } = await sql<{ duration_seconds: number | null }>`
        select duration_seconds from read_model.calls where data->>'length_in_minutes' = '1000000000000'`.execute(
        db,
      );
      expect(long).toEqual([{ duration_seconds: null }]);
      const listed = formatDeadLetters(await listDeadLetters(db, { limit: 100 }));
      expect(listed).toContain('invalid event');
      expect(runners.every((r) => r.readiness().ready)).toBe(true);
    } finally {
      for (const r of runners) await r.stop();
    }
  }, 120_000);
});
