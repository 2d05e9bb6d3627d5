import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Admin, Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseAlloEvent, partitionKey } from '@allo-pipeline/allo-events';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, rawRecordHeaders, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  createGeneration,
  dropGeneration,
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
  type TestDatabase,
  type TestTopics,
} from '@allo-pipeline/testing';
import { waitUntil } from './allo-fixtures.js';
import { bulkLoadGeneration } from './bulk-load.js';
import { fetchWatermarks, readStoredOffsets, seedGeneration } from './position-protocol.js';
import { ProjectorRunner } from './projector-runner.js';

// The bulk path of a rebuild must give the live path's result: for random histories (calls with
// and without ids whose times collide, tags, summaries, SMS sharing message ids, contacts, and
// hostile or bad records), delivered in random order with redeliveries and cut into random
// record batches on three partitions, a ProjectorRunner (many small fetches, one transaction
// each) and bulkLoadGeneration (one pass) must store the same rows in every table of the
// generation, the same dead letters and the same positions.

const logger = pino({ level: 'silent' });
const FAST = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 50, rebalanceTimeout: 6000 };
const BASE = Date.parse('2026-02-03T09:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000);
const NUMBERS = ['+14155550142', '+14155550143'];

let database: TestDatabase<ReadModelDatabase>;
let db: Kysely<ReadModelDatabase>;
let codec: RawRecordCodec;
let nextVersion = 10;

beforeAll(async () => {
  database = await createTestDatabase<ReadModelDatabase>('bulk_vs_live');
  db = database.db;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, 'bulk.vs.live');
});
afterAll(() => database?.drop());

/** What is published: a raw record (encoded like the gateway does) or bytes that are no record at all. */
type Delivery = { kind: 'record'; record: RawWebhookRecord } | { kind: 'garbage'; id: string; bytes: Buffer };

function record(webhookId: string, topic: string | null, body: string, time: Date): Delivery {
  return {
    kind: 'record',
    record: {
      webhookId,
      webhookTimestamp: Math.floor(time.getTime() / 1000),
      receivedAt: time.getTime() + 150,
      source: 'default',
      topic,
      body: Buffer.from(body),
    },
  };
}

const envelope = (id: string, topic: string, time: Date, data: Record<string, unknown>) =>
  record(id, topic, JSON.stringify({ topic, version: '2.0', timestamp: time.toISOString(), data }), time);

const arbCall = (i: number) =>
  fc
    .record({
      number: fc.constantFrom(...NUMBERS),
      start: fc.integer({ min: 0, max: 12 }),
      jitter: fc.integer({ min: 0, max: 3 }),
      ringing: fc.boolean(),
      completed: fc.boolean(),
      contact: fc.constantFrom('con_a', 'con_b', null),
      summary: fc.option(fc.constantFrom('ok', 'bad\u0000nul'), { nil: undefined }),
      minutes: fc.constantFrom(7.25, 1e12, null),
      tags: fc.array(
        fc.record({
          tag: fc.constantFrom('hot', 'cold', 'c\ud800ld'),
          added: fc.boolean(),
          t: fc.integer({ min: 0, max: 5 }),
          named: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
    })
    .map((c) => {
      const id = `cll_${i}`;
      const person =
        c.contact === null ? null : { id: c.contact, name: `n${c.start}`, job_title: `t${c.start}` };
      const out: Delivery[] = [];
      if (c.ringing)
        out.push(
          envelope(`wh_r${i}`, 'call.received', at(c.start), {
            from_number: c.number,
            to_number: '+14155550100',
            started_at: at(c.start).toISOString(),
            person,
          }),
        );
      if (c.completed)
        out.push(
          envelope(`wh_c${i}`, 'call.completed', at(c.start + 60), {
            id,
            from_number: c.number,
            to: '+14155550100',
            start_date: at(c.start + c.jitter).toISOString(),
            length_in_minutes: c.minutes,
            tags: ['first'],
            person,
          }),
        );
      if (c.summary !== undefined)
        out.push(envelope(`wh_s${i}`, 'summary.updated', at(65), { call_id: id, content: c.summary }));
      c.tags.forEach(({ tag, added, t, named }, j) =>
        out.push(
          envelope(`wh_t${i}_${j}`, added ? 'tag.added' : 'tag.removed', at(70 + t), {
            ...(named ? { call_id: id } : {}),
            tag,
          }),
        ),
      );
      return out;
    });

const arbMessages = fc
  .array(
    fc.record({
      id: fc.constantFrom('msg_1', 'msg_2', null),
      t: fc.integer({ min: 0, max: 4 }),
      text: fc.constantFrom('a', 'b', 'nul\u0000', 'x'.repeat(300)),
      sentAt: fc.constantFrom('2026-02-03T09:00:00Z', '0000-01-01T00:00:00Z', null),
    }),
    { maxLength: 5 },
  )
  .map((items) =>
    items.map(({ id, t, text, sentAt }, i) =>
      envelope(`wh_m${i}`, i % 2 === 0 ? 'sms.received' : 'sms.sent', at(t), {
        id,
        content: text,
        sent_at: sentAt,
        from_number: NUMBERS[0],
        to_number: '+14155550100',
      }),
    ),
  );

const arbContacts = fc
  .array(
    fc.record({
      id: fc.constantFrom('con_a', 'con_b', `con_${'x'.repeat(300)}`),
      t: fc.integer({ min: 0, max: 20 }),
      title: fc.option(fc.constantFrom('CEO', 'CTO'), { nil: undefined }),
      numbers: fc.option(fc.constantFrom(['+1 415 555 0142'], ['a"b\\c', 'tab\there'], []), {
        nil: undefined,
      }),
    }),
    { maxLength: 4 },
  )
  .map((items) =>
    items.map(({ id, t, title, numbers }, i) =>
      envelope(`wh_p${i}`, i === 0 ? 'contact.created' : 'contact.updated', at(t), {
        id,
        name: 'Jordan',
        job_title: title,
        numbers,
        custom: { lead: `l${t}` },
      }),
    ),
  );

/** Records every projection must dead-letter or skip exactly as the live path does. */
const garbage: Delivery = { kind: 'garbage', id: 'garbage', bytes: Buffer.from([0, 1, 2, 3, 4]) };
const arbBad = fc.subarray([
  garbage,
  record('wh_nonjson', null, '\u0000not json', at(1)),
  record('wh_badcall', 'call.completed', '{"topic":"call.completed","data":{"id":5}}', at(1)),
  record(
    'wh_deep',
    'contact.updated',
    `{"topic":"contact.updated","version":"2.0","timestamp":"${at(2).toISOString()}","data":{"id":"con_deep","x":${'{"a":'.repeat(150)}1${'}'.repeat(150)}}}`,
    at(2),
  ),
  envelope('wh_notopic', 'call.completed', at(3), { from_number: NUMBERS[0], start_date: 'yesterday' }),
]);

const arbHistory = fc
  .tuple(fc.tuple(arbCall(0), arbCall(1), arbCall(2)), arbMessages, arbContacts, arbBad)
  .map(([calls, messages, contacts, bad]) => [...calls.flat(), ...messages, ...contacts, ...bad]);

/** The history shuffled, with redeliveries (same record, so same key and partition), in record batches. */
const arbPublication = (history: Delivery[]) =>
  fc
    .record({
      order: fc.array(fc.double({ noNaN: true }), { minLength: history.length, maxLength: history.length }),
      duplicates: fc.array(fc.nat({ max: Math.max(0, history.length - 1) }), { maxLength: 6 }),
      sends: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
    })
    .map(({ order, duplicates, sends }) => {
      const shuffled = history
        .map((d, i) => ({ d, k: order[i] ?? 0 }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.d);
      const all = [...shuffled, ...duplicates.flatMap((i) => (history[i] ? [history[i]] : []))];
      const chunks: Delivery[][] = [];
      for (let i = 0, s = 0; i < all.length; s += 1) {
        const size = sends[s % sends.length] ?? 1;
        chunks.push(all.slice(i, i + size));
        i += size;
      }
      return chunks;
    });

async function publish(producer: Producer, topic: string, chunks: Delivery[][]): Promise<void> {
  for (const chunk of chunks) {
    const messages = await Promise.all(
      chunk.map(async (d) => {
        if (d.kind === 'garbage') return { key: d.id, value: d.bytes };
        const parsed = parseAlloEvent(d.record.body);
        return {
          key: parsed.ok ? partitionKey(parsed.event) : d.record.webhookId,
          value: await codec.encode(d.record),
          headers: rawRecordHeaders(d.record),
        };
      }),
    );
    // One send per chunk: separate record batches, which the live runner fetches one by one.
    await producer.send({ topic, messages });
  }
}

async function newGeneration(name: ProjectionName, admin: Admin, topic: string): Promise<number> {
  const version = (nextVersion += 1);
  await createGeneration(db, name, version);
  await seedGeneration(
    db,
    admin,
    { projection: name, version, topic },
    { kind: 'earliest' },
    {
      allowTruncatedLog: false,
    },
  );
  return version;
}

async function buildLive(topics: TestTopics, admin: Admin, topic: string, name: ProjectionName) {
  const version = await newGeneration(name, admin, topic);
  const runner = new ProjectorRunner({
    kafka: topics.kafka,
    db,
    codec,
    projection: PROJECTIONS[name],
    rawTopic: topic,
    groupId: `${topic}-${name}-live`,
    logger,
    metrics: new Registry(),
    now: Date.now,
    target: { kind: 'generation', version },
    // Tiny fetches: one record batch at a time, so the live path commits many batches.
    consumer: { ...FAST, maxBytesPerPartition: 1, maxBytes: 1 },
    watchIntervalMs: 200,
  });
  await runner.start();
  try {
    const marks = await fetchWatermarks(admin, topic);
    await waitUntil(`live ${name} caught up`, async () => {
      const stored = await readStoredOffsets(db, name, version, topic);
      return [...marks].every(([p, w]) => stored.get(p)?.nextOffset === w.high);
    });
  } finally {
    await runner.stop();
  }
  return version;
}

async function buildBulk(topics: TestTopics, admin: Admin, topic: string, name: ProjectionName) {
  const version = await newGeneration(name, admin, topic);
  const start = new Map([...(await fetchWatermarks(admin, topic))].map(([p, w]) => [p, w.low]));
  const outcome = await bulkLoadGeneration(
    {
      db,
      databaseUrl: database.url,
      kafka: topics.kafka,
      admin,
      codec,
      rawTopic: topic,
      logger,
      groupId: `${topic}-${name}-bulk`,
      consumer: FAST,
    },
    { projection: PROJECTIONS[name], version, start, bumpEpoch: false },
  );
  // A fall-back to the live path would make the comparison pass without testing the bulk path.
  expect(outcome.kind).toBe('loaded');
  return version;
}

/** Every table of the generation, the dead letters and the positions, without the version. */
async function snapshot(name: ProjectionName, version: number, topic: string) {
  const schema = generationSchema(name, version);
  const { rows: tables } = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = ${schema} order by tablename`.execute(db);
  const result: Record<string, unknown[]> = {};
  for (const { tablename } of tables) {
    const { rows } = await sql<Record<string, unknown>>`
      select * from ${sql.id(schema, tablename)} t order by t::text collate "C"`.execute(db);
    result[tablename] = rows;
  }
  result.dead_letters = await db
    .selectFrom('read_model.dead_letters')
    .select([
      'partition',
      'kafka_offset',
      'webhook_id',
      'error',
      'raw_key',
      'raw_value',
      'headers',
      'replayed_at',
    ])
    .where('projection', '=', name)
    .where('version', '=', version)
    .where('topic', '=', topic)
    .orderBy('partition')
    .orderBy('kafka_offset')
    .execute();
  result.positions = await db
    .selectFrom('read_model.projection_offsets')
    .select(['partition', 'next_offset', 'anchor', 'last_event_at', 'cluster_id'])
    .where('projection', '=', name)
    .where('version', '=', version)
    .where('topic', '=', topic)
    .orderBy('partition')
    .execute();
  return result;
}

describe('the bulk path of a rebuild stores what the live path stores', () => {
  it('for any history, delivery order, redelivery and batching, hostile records included', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbHistory.chain((history) => arbPublication(history)),
        async (chunks) => {
          const topics = await createTestTopics(['bulk_vs_live'], 3);
          const topic = topics.names[0]!;
          const producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
          const admin = topics.kafka.admin();
          await Promise.all([producer.connect(), admin.connect()]);
          try {
            await publish(producer, topic, chunks);
            await Promise.all(
              PROJECTION_NAMES.map(async (name) => {
                const [live, bulk] = await Promise.all([
                  buildLive(topics, admin, topic, name),
                  buildBulk(topics, admin, topic, name),
                ]);
                const [liveRows, bulkRows] = [
                  await snapshot(name, live, topic),
                  await snapshot(name, bulk, topic),
                ];
                expect(bulkRows).toEqual(liveRows);
                await dropGeneration(db, name, live);
                await dropGeneration(db, name, bulk);
              }),
            );
          } finally {
            await Promise.all([producer.disconnect(), admin.disconnect()]);
            await topics.drop();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 600_000);
});
