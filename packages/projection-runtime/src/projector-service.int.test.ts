import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  createTestDatabase,
  testKafka,
  readStackEnv,
  uniqueName,
  type TestDatabase,
} from '@allo-pipeline/testing';
import { alloFixtures, fixtureId, publishFixtures, waitUntil } from './allo-fixtures.js';
import { parseProjectorConfig } from './projector-config.js';
import { startProjectorService, type RunningProjector } from './projector-service.js';

let testDb: TestDatabase<unknown>;
let service: RunningProjector | undefined;
const topicName = uniqueName('svc_raw').replace(/_/g, '.');

beforeAll(async () => {
  testDb = await createTestDatabase('svc');
});

afterAll(async () => {
  await service?.close();
  await testDb?.drop();
  const admin = testKafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topicName] }).catch(() => undefined);
  await admin.disconnect();
});

describe('startProjectorService', () => {
  it('migrates, creates the raw topic, projects and serves probes', async () => {
    const stack = readStackEnv();
    const config = parseProjectorConfig(
      {
        ...stack,
        DATABASE_URL: testDb.url,
        RAW_TOPIC: topicName,
        RAW_TOPIC_PARTITIONS: '2',
        PROJECTOR_MESSAGES_PORT: '0',
        PROJECTOR_HOST: '127.0.0.1',
      },
      'messages',
    );
    service = await startProjectorService(
      { ...config, groupId: uniqueName('svc') },
      pino({ level: 'silent' }),
      {
        consumer: { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
      },
    );
    const codec = await RawRecordCodec.connect(stack.SCHEMA_REGISTRY_URL, topicName);
    const producer = testKafka().producer();
    await producer.connect();
    await publishFixtures(producer, codec, topicName, [
      alloFixtures.smsReceived({ id: fixtureId('msg_'), content: 'hello', at: new Date() }),
    ]);
    await producer.disconnect();

    await waitUntil('readyz', async () => (await fetch(`${service!.url}/readyz`)).status === 200);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    await waitUntil('the message applied', async () => {
      const metrics = await (await fetch(`${service!.url}/metrics`)).text();
      return metrics.includes(
        'allo_projector_events_applied_total{projection="messages",topic="sms.received"} 1',
      );
    });
    const started = Date.now();
    await service.close();
    service = undefined;
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
