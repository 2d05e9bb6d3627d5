import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { createTestTopics, readStackEnv, type TestDatabase, type TestTopics } from '@allo-pipeline/testing';
import { parseQueryApiConfig } from './config.js';
import type { ProjectionsReport } from './projections-report.js';
import { startQueryApi, type RunningQueryApi } from './start-query-api.js';
import type { Stats } from './stats-query.js';
import { errorBody } from './test-helpers.js';
import {
  applyEvents,
  callCompleted,
  callReceived,
  contactEvent,
  createTestReadModels,
  sms,
  tagEvent,
  TEST_TOKEN,
  testApi,
} from './test-read-models.js';

let database: TestDatabase<ReadModelDatabase>;
let api: ReturnType<typeof testApi>;

beforeAll(async () => {
  database = await createTestReadModels('query_stats');
  api = testApi(database.db);
  await applyEvents(database.db, [
    callReceived({ from: '+14155550177', to: '+14155550100', startedAt: '2026-02-03T09:05:00Z' }),
    // Names a contact: the contacts projection stores this call.completed too; stats must not count it twice.
    callCompleted({
      id: 'cll_s1',
      startedAt: '2026-02-03T09:00:00Z',
      at: '2026-02-03T09:20:00Z',
      contactId: 'cnt_s',
    }),
    callCompleted({
      id: 'cll_s2',
      startedAt: '2026-02-03T10:30:00Z',
      at: '2026-02-03T10:40:00Z',
      result: 'VOICEMAIL',
    }),
    tagEvent('tag.added', 'cll_s1', 'pricing', '2026-02-03T10:45:00Z'),
    contactEvent('contact.created', '2026-02-03T09:30:00Z', { id: 'cnt_s', name: 'Sam' }),
    contactEvent('contact.updated', '2026-02-03T11:10:00Z', { id: 'cnt_s', name: 'Samuel' }),
    sms({ id: 'msg_s1', direction: 'INBOUND', sentAt: '2026-02-03T09:50:00Z', from: '+1', to: '+2' }),
    sms({ id: 'msg_s2', direction: 'INBOUND', sentAt: '2026-02-03T10:10:00Z', from: '+1', to: '+2' }),
    sms({ id: 'msg_s3', direction: 'OUTBOUND', sentAt: '2026-02-03T10:15:00Z', from: '+2', to: '+1' }),
  ]);
});

afterAll(async () => {
  await database.drop();
});

const zeroTopics = {
  'call.received': 0,
  'call.triggered': 0,
  'call.answered': 0,
  'call.completed': 0,
  'tag.added': 0,
  'tag.removed': 0,
  'summary.updated': 0,
  'sms.received': 0,
  'sms.sent': 0,
  'contact.created': 0,
  'contact.updated': 0,
};

describe('GET /v1/stats', () => {
  it('counts topics, call results and SMS per hour', async () => {
    const res = await api.get('/v1/stats?since=2026-02-03T09:00:00Z&until=2026-02-03T12:00:00Z&bucket=hour');
    expect(res.status).toBe(200);
    const stats = res.body as Stats;
    expect(stats.since).toBe('2026-02-03T09:00:00.000Z');
    expect(stats.buckets).toEqual([
      {
        start: '2026-02-03T09:00:00.000Z',
        topics: {
          ...zeroTopics,
          'call.received': 1,
          'call.completed': 1,
          'contact.created': 1,
          'sms.received': 1,
        },
        call_results: { ANSWERED: 1 },
        sms: { inbound: 1, outbound: 0 },
      },
      {
        start: '2026-02-03T10:00:00.000Z',
        topics: { ...zeroTopics, 'call.completed': 1, 'tag.added': 1, 'sms.received': 1, 'sms.sent': 1 },
        call_results: { VOICEMAIL: 1 },
        sms: { inbound: 1, outbound: 1 },
      },
      {
        start: '2026-02-03T11:00:00.000Z',
        topics: { ...zeroTopics, 'contact.updated': 1 },
        call_results: {},
        sms: { inbound: 0, outbound: 0 },
      },
    ]);
    expect(stats.totals).toEqual({
      topics: {
        ...zeroTopics,
        'call.received': 1,
        'call.completed': 2,
        'tag.added': 1,
        'contact.created': 1,
        'contact.updated': 1,
        'sms.received': 2,
        'sms.sent': 1,
      },
      call_results: { ANSWERED: 1, VOICEMAIL: 1 },
      sms: { inbound: 2, outbound: 1 },
    });
  });

  it('counts per minute and per day, with the documented defaults', async () => {
    const minutes = (
      await api.get('/v1/stats?since=2026-02-03T09:00:00Z&until=2026-02-03T10:00:00Z&bucket=minute')
    ).body as Stats;
    expect(minutes.buckets).toHaveLength(60);
    expect(minutes.buckets[5]?.topics['call.received']).toBe(1);
    expect(minutes.buckets[50]?.sms.inbound).toBe(1);
    const days = (await api.get('/v1/stats?bucket=day')).body as Stats;
    expect(days.buckets).toHaveLength(30);
    expect(days.buckets[29]).toMatchObject({
      start: '2026-02-03T00:00:00.000Z',
      sms: { inbound: 2, outbound: 1 },
    });
    const hours = (await api.get('/v1/stats')).body as Stats;
    expect(hours).toMatchObject({
      since: '2026-02-03T00:00:00.000Z',
      until: '2026-02-04T00:00:00.000Z',
      bucket: 'hour',
    });
    expect(hours.buckets).toHaveLength(24);
    expect(hours.totals.topics['call.completed']).toBe(2);
  });

  it.each([
    ['bucket=minute&since=2026-02-01T00:00:00Z', 'since'],
    ['bucket=week', 'bucket'],
    ['since=2026-02-05T00:00:00Z', 'since'],
    ['since=2026-02-03&until=2026-02-02', 'until'],
    ['topic=call.completed', 'topic'],
  ])('answers 400 for %s', async (query, parameter) => {
    const res = await api.get(`/v1/stats?${query}`);
    expect(res.status).toBe(400);
    expect(errorBody(res).parameter).toBe(parameter);
  });
});

describe('GET /v1/projections', () => {
  it('answers from Postgres with lag null when Kafka is not configured', async () => {
    await database.db
      .insertInto('read_model.projection_offsets')
      .values({
        projection: 'calls',
        version: 1,
        topic: 'allo.webhooks.raw',
        partition: 0,
        next_offset: 5,
        last_event_at: '2026-02-03T11:00:00Z',
        updated_at: new Date(),
      })
      .execute();
    const res = await api.get('/v1/projections');
    expect(res.status).toBe(200);
    const report = res.body as ProjectionsReport;
    expect(report.kafka).toEqual({ status: 'not_configured', message: 'KAFKA_BROKERS is not set' });
    expect(report.data.map((p) => p.projection)).toEqual(['calls', 'messages', 'contacts']);
    expect(report.data[0]).toEqual({
      projection: 'calls',
      live_version: 1,
      epoch: '1',
      lag_messages: null,
      lag_seconds: null,
      last_event_at: '2026-02-03T11:00:00.000Z',
      dead_letters: 0,
      state: 'ok',
      partial: null,
      problems: [],
      partitions: [
        {
          partition: 0,
          next_offset: '5',
          low: null,
          high: null,
          lag_messages: null,
          lag_seconds: null,
          last_event_at: '2026-02-03T11:00:00.000Z',
        },
      ],
    });
  });

  it('says Kafka is unavailable (still 200) when the status read fails in Kafka', async () => {
    const failing = testApi(database.db, {
      readProjectionStatus: () => Promise.reject(new kafkajs.KafkaJSConnectionError('Connection refused')),
    });
    const res = await failing.get('/v1/projections');
    expect(res.status).toBe(200);
    const report = res.body as ProjectionsReport;
    expect(report.kafka).toEqual({ status: 'unavailable', message: 'Connection refused' });
    expect(report.data[0]?.lag_messages).toBeNull();
  });

  it('answers 500 when the failure is not Kafka', async () => {
    const failing = testApi(database.db, { readProjectionStatus: () => Promise.reject(new Error('boom')) });
    expect((await failing.get('/v1/projections')).status).toBe(500);
  });
});

describe('startQueryApi with Kafka', () => {
  let topics: TestTopics;
  let running: RunningQueryApi;

  beforeAll(async () => {
    topics = await createTestTopics(['query_raw'], 2);
    const topic = topics.names[0]!;
    // Idempotent: a retried send (a leader still moving on a new topic) must not add records.
    const producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      messages: [0, 0, 0, 1].map((partition, i) => ({ partition, value: Buffer.from(`record ${i}`) })),
    });
    await producer.disconnect();
    await database.db
      .insertInto('read_model.projection_offsets')
      .values({
        projection: 'calls',
        version: 1,
        topic,
        partition: 0,
        next_offset: 1,
        last_event_at: new Date(Date.now() - 60_000),
        updated_at: new Date(),
      })
      .execute();
    const config = parseQueryApiConfig({
      DATABASE_URL: database.url,
      API_TOKENS: TEST_TOKEN,
      API_PORT: '0',
      KAFKA_BROKERS: readStackEnv().KAFKA_BROKERS,
      RAW_TOPIC: topic,
    });
    running = await startQueryApi(config, pino({ level: 'silent' }));
  });

  afterAll(async () => {
    await running?.close();
    await topics?.drop();
  });

  it('reports lag per projection and partition from the log watermarks', async () => {
    const res = await fetch(`${running.url}/v1/projections`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as ProjectionsReport;
    expect(report.kafka).toEqual({ status: 'ok', message: null });
    const [calls, messages] = report.data;
    expect(calls).toMatchObject({ projection: 'calls', live_version: 1, lag_messages: 3, dead_letters: 0 });
    expect(calls?.partitions).toEqual([
      expect.objectContaining({ partition: 0, next_offset: '1', low: '0', high: '3', lag_messages: 2 }),
      expect.objectContaining({
        partition: 1,
        next_offset: null,
        low: '0',
        high: '1',
        lag_messages: 1,
        lag_seconds: 0,
      }),
    ]);
    expect(calls?.lag_seconds).toBeGreaterThanOrEqual(59);
    expect(messages).toMatchObject({ lag_messages: 4, lag_seconds: 0, last_event_at: null });
  });

  it('reports a projection whose stored position is past the log end as stopped, with the fix', async () => {
    await database.db
      .insertInto('read_model.projection_offsets')
      .values({
        projection: 'contacts',
        version: 1,
        topic: topics.names[0]!,
        partition: 1,
        next_offset: 50,
        last_event_at: null,
        updated_at: new Date(),
      })
      .execute();
    const res = await fetch(`${running.url}/v1/projections`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    const report = (await res.json()) as ProjectionsReport;
    const contacts = report.data[2];
    expect(contacts).toMatchObject({ projection: 'contacts', state: 'stopped', partial: null });
    expect(contacts?.problems).toHaveLength(1);
    expect(contacts?.problems[0]).toMatchObject({ kind: 'log-discontinuity', since: null, partitions: [1] });
    expect(contacts?.problems[0]?.message).toContain(
      'partition 1: stored next offset 50 is above the log end 1',
    );
    expect(contacts?.problems[0]?.fix).toContain('npm run cli -- rebuild contacts');
    expect(report.data[0]?.state).toBe('ok');
  });

  it('serves probes and rejects unauthenticated API calls', async () => {
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${running.url}/v1/projections`)).status).toBe(401);
    expect(await (await fetch(`${running.url}/metrics`)).text()).toContain('allo_query_api_process_cpu');
  });
});
