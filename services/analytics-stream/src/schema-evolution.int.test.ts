import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Producer } from 'kafkajs';
import { pino } from 'pino';
import { alloFixtures, publishFixtures } from '@allo-pipeline/projection-runtime';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  collectTopics,
  createTestTopics,
  readStackEnv,
  uniqueName,
  type TestTopics,
} from '@allo-pipeline/testing';
import { parseAnalyticsStreamConfig, type AnalyticsStreamConfig } from './config.js';
import { startAnalyticsStream } from './start-analytics-stream.js';
import { SchemaIncompatibleError } from './typed-codec.js';
import { CALL_SCHEMA_V1, TYPED_SCHEMAS_V1, valueSubject, type TypedSchemas } from './typed-schemas.js';

// Schema evolution against the real registry: a second version adding an optional field passes
// the BACKWARD check and is registered beside version 1; a breaking change (a field changing
// type) is refused at start-up, before the stream consumes or publishes anything.

const T0 = new Date('2026-02-03T09:12:04.201Z');
const { SCHEMA_REGISTRY_URL } = readStackEnv();
let topics: TestTopics;
let config: AnalyticsStreamConfig;
let codec: RawRecordCodec;
let producer: Producer;
let admin: Admin;
const logger = pino({ level: 'warn' });

const withCallFields = (fields: readonly object[]): TypedSchemas => ({
  ...TYPED_SCHEMAS_V1,
  calls: { ...CALL_SCHEMA_V1, fields },
});

beforeAll(async () => {
  topics = await createTestTopics(['ev_raw', 'ev_calls', 'ev_messages', 'ev_contacts'], 1);
  const [raw, calls, messages, contacts] = topics.names as [string, string, string, string];
  config = parseAnalyticsStreamConfig({
    ...readStackEnv(),
    RAW_TOPIC: raw,
    RAW_TOPIC_PARTITIONS: '1',
    ANALYTICS_CALLS_TOPIC: calls,
    ANALYTICS_MESSAGES_TOPIC: messages,
    ANALYTICS_CONTACTS_TOPIC: contacts,
    ANALYTICS_STREAM_GROUP_ID: uniqueName('evolution'),
    ANALYTICS_STREAM_PORT: '0',
    ANALYTICS_STREAM_HOST: '127.0.0.1',
  });
  codec = await RawRecordCodec.connect(SCHEMA_REGISTRY_URL, raw);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  admin = topics.kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await producer?.disconnect();
  await topics?.drop();
});

async function versions(topic: string): Promise<number[]> {
  const response = await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${valueSubject(topic)}/versions`);
  return (await response.json()) as number[];
}

async function typedEnd(topic: string): Promise<string> {
  return (await admin.fetchTopicOffsets(topic)).map((p) => p.high).join(',');
}

describe('typed schema evolution', () => {
  it('registers an optional field as version 2 and refuses a breaking change before publishing', async () => {
    const { calls } = config.typedTopics;
    const call = (id: string) => alloFixtures.callCompleted({ id, from: '+1', to: '+2', startedAt: T0 });
    await publishFixtures(producer, codec, config.rawTopic, [call('cll_v1')]);
    const reader = await collectTopics(topics.kafka, [calls]);
    try {
      let stream = await startAnalyticsStream(config, logger);
      await reader.until('the version-1 record', (all) => all.length === 1);
      await stream.close();
      expect(await versions(calls)).toEqual([1]);

      const optional = { name: 'answered_by', type: ['null', 'string'], default: null, doc: 'added in v2' };
      stream = await startAnalyticsStream(config, logger, {
        schemas: withCallFields([...CALL_SCHEMA_V1.fields, optional]),
      });
      await publishFixtures(producer, codec, config.rawTopic, [call('cll_v2')]);
      await reader.until('the version-2 record', (all) => all.length === 2);
      await stream.close();
      expect(await versions(calls)).toEqual([1, 2]);
      const registry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL });
      const [v1, v2] = await Promise.all(
        reader.messages.map(
          async (m) => (await registry.decode(m.message.value!)) as Record<string, unknown>,
        ),
      );
      expect(v1).toMatchObject({ call_id: 'cll_v1', status: 'completed' });
      expect(v1).not.toHaveProperty('answered_by');
      expect(v2).toMatchObject({ call_id: 'cll_v2', status: 'completed', answered_by: null });
      expect(reader.messages[0]!.message.value!.readInt32BE(1)).not.toBe(
        reader.messages[1]!.message.value!.readInt32BE(1),
      );

      // Breaking for BACKWARD: a reader on the new schema could not read duration_seconds as written.
      const breaking = CALL_SCHEMA_V1.fields.map((f) =>
        f.name === 'duration_seconds' ? { ...f, type: ['null', 'string'] } : f,
      );
      await publishFixtures(producer, codec, config.rawTopic, [call('cll_refused')]);
      const before = await typedEnd(calls);
      const start = startAnalyticsStream(config, logger, { schemas: withCallFields(breaking) });
      await expect(start).rejects.toThrow(SchemaIncompatibleError);
      await expect(start).rejects.toThrow(`${valueSubject(calls)} is not BACKWARD compatible`);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await typedEnd(calls)).toBe(before);
      expect(await versions(calls)).toEqual([1, 2]);
    } finally {
      await reader.stop();
    }
  });
});
