import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { pino } from 'pino';
import { alloFixtures, publishFixtures } from '@allo-pipeline/projection-runtime';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  collectTopics,
  createTestTopics,
  readStackEnv,
  uniqueName,
  type CollectedMessage,
  type TestTopics,
} from '@allo-pipeline/testing';
import { parseAnalyticsStreamConfig, type AnalyticsStreamConfig } from './config.js';
import { startAnalyticsStream, type RunningAnalyticsStream } from './start-analytics-stream.js';

// The stream in-process against the real broker and registry: typed records decode with the
// registered schemas and carry the folded state; a second delivery yields nothing; a restart
// rebuilds the state from the raw log (a later tag still sees the call's earlier fields) without
// republishing anything; the probes answer.

const T0 = new Date('2026-02-03T09:12:04.201Z');
let topics: TestTopics;
let config: AnalyticsStreamConfig;
let codec: RawRecordCodec;
let producer: Producer;
let stream: RunningAnalyticsStream | undefined;
const registry = new SchemaRegistry({ host: readStackEnv().SCHEMA_REGISTRY_URL });
const logger = pino({ level: 'warn' });

beforeAll(async () => {
  topics = await createTestTopics(['as_raw', 'as_calls', 'as_messages', 'as_contacts'], 3);
  const [raw, calls, messages, contacts] = topics.names as [string, string, string, string];
  const env = readStackEnv();
  config = parseAnalyticsStreamConfig({
    ...env,
    RAW_TOPIC: raw,
    RAW_TOPIC_PARTITIONS: '3',
    ANALYTICS_CALLS_TOPIC: calls,
    ANALYTICS_MESSAGES_TOPIC: messages,
    ANALYTICS_CONTACTS_TOPIC: contacts,
    ANALYTICS_STREAM_GROUP_ID: uniqueName('analytics'),
    ANALYTICS_STREAM_PORT: '0',
    ANALYTICS_STREAM_HOST: '127.0.0.1',
  });
  codec = await RawRecordCodec.connect(env.SCHEMA_REGISTRY_URL, raw);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  await stream?.close();
  await producer?.disconnect();
  await topics?.drop();
});

async function decoded(messages: readonly CollectedMessage[]) {
  return Promise.all(
    messages.map(async ({ topic, message }) => ({
      topic,
      key: message.key?.toString(),
      value: (await registry.decode(message.value!)) as Record<string, unknown>,
    })),
  );
}

describe('analytics stream', () => {
  it('publishes typed records once per webhook id, and keeps its state across a restart', async () => {
    const callId = 'cll_int_1';
    const completed = alloFixtures.callCompleted({ id: callId, from: '+1415', to: '+1416', startedAt: T0 });
    const sms = alloFixtures.smsReceived({ id: 'msg_int_1', content: 'Grüße "zusammen"', at: T0 });
    const contact = alloFixtures.contactUpdated({ id: 'con_int_1', jobTitle: 'VP', at: T0 });
    await publishFixtures(producer, codec, config.rawTopic, [completed, sms, contact, completed]);
    stream = await startAnalyticsStream(config, logger);
    const { calls, messages, contacts } = config.typedTopics;
    const reader = await collectTopics(topics.kafka, [calls, messages, contacts]);
    try {
      await reader.until('three typed records', (all) => all.length >= 3);
      const [health, ready] = await Promise.all([
        fetch(`${stream.url}/healthz`),
        fetch(`${stream.url}/readyz`),
      ]);
      expect([health.status, ready.status]).toEqual([200, 200]);
      await stream.close();
      stream = undefined;

      const tag = alloFixtures.tagAdded({ callId, tag: 'qualified', at: new Date(T0.getTime() + 3_600_000) });
      await publishFixtures(producer, codec, config.rawTopic, [tag, sms]);
      stream = await startAnalyticsStream(config, logger);
      await reader.until('the tag record', (all) => all.length >= 4);
      // Give a wrongly republished record time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const records = await decoded(reader.messages);
      expect(records.map((r) => r.value.webhook_id).sort()).toEqual(
        [completed, sms, contact, tag].map((r) => r.webhookId).sort(),
      );
      const callRecords = records.filter((r) => r.topic === calls);
      expect(callRecords.map((r) => r.key)).toEqual([callId, callId]);
      expect(callRecords[1]!.value).toMatchObject({
        call_id: callId,
        event_topic: 'tag.added',
        status: 'completed',
        from_name: 'Jordan Whitfield',
        duration_seconds: 435,
        has_recording: true,
        tags: ['pricing', 'qualified'],
      });
      expect(records.find((r) => r.topic === messages)?.value).toMatchObject({
        message_id: 'msg_int_1',
        content: 'Grüße "zusammen"',
        direction: 'INBOUND',
      });
      expect(records.find((r) => r.topic === contacts)?.value).toMatchObject({
        contact_id: 'con_int_1',
        job_title: 'VP',
        numbers: ['+14155550142'],
      });
      const metrics = await (await fetch(`${stream.url}/metrics`)).text();
      expect(metrics).toMatch(/allo_analytics_records_skipped_total\{reason="duplicate"\} 1/);
      expect(metrics).toMatch(/allo_analytics_records_restored_total [1-9]/);
      expect(metrics).toMatch(/allo_analytics_transactions_total\{outcome="committed"\} [1-9]/);
    } finally {
      await reader.stop();
    }
  });
});
