import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { pino } from 'pino';
import { alloFixtures, publishFixtures } from '@allo-pipeline/projection-runtime';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  collectTopics,
  createTestTopics,
  ensureMavenClasspath,
  freePort,
  readStackEnv,
  type TestTopics,
  uniqueName,
} from '@allo-pipeline/testing';
import { parseAnalyticsStreamConfig, type AnalyticsStreamConfig } from './config.js';
import { startAnalyticsStream, type RunningAnalyticsStream } from './start-analytics-stream.js';

// The typed topics read by clients nobody here wrote, fetched from Maven Central: Apache Kafka's
// Java consumer (its console consumer) with Apicurio's Avro deserializer, and Kafka Connect
// standalone with Apicurio's Avro converter sinking to a file with Kafka's FileStreamSink. Both
// read the Confluent wire format (magic byte + 4-byte content id) through Apicurio's v2 API, in
// read_committed mode, and the decoded field values are checked.

const KAFKA = '4.4.0';
// connect-file is not on Maven Central for 4.4.0, so Connect runs at 4.3.1 against our 4.4.0 broker.
const CONNECT = '4.3.1';
const APICURIO_SERDE = '2.6.13.Final';
const LOG4J = '2.26.1';
const T0 = new Date('2026-02-03T09:12:04.201Z');
const TEXT = 'Grüße "zusammen", 東京 🚀';
const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = readStackEnv();
// Apicurio's own client API on the same server; ccompat schema ids are its content ids.
const APICURIO_V2 = SCHEMA_REGISTRY_URL.replace(/\/apis\/ccompat\/v\d+\/?$/, '/apis/registry/v2');

let topics: TestTopics;
let config: AnalyticsStreamConfig;
let stream: RunningAnalyticsStream | undefined;
let producer: Producer;
let consumerLib: string;
let connectLib: string;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  const serde = `io.apicurio:apicurio-registry-utils-converter:${APICURIO_SERDE}` as const;
  const logging = [
    `org.apache.logging.log4j:log4j-core:${LOG4J}`,
    `org.apache.logging.log4j:log4j-slf4j-impl:${LOG4J}`,
  ] as const;
  consumerLib = await ensureMavenClasspath(`analytics-consumer-kafka-${KAFKA}-apicurio-${APICURIO_SERDE}`, [
    `org.apache.kafka:kafka-tools:${KAFKA}`,
    serde,
    ...logging,
  ]);
  connectLib = await ensureMavenClasspath(`analytics-connect-${CONNECT}-apicurio-${APICURIO_SERDE}`, [
    `org.apache.kafka:connect-runtime:${CONNECT}`,
    `org.apache.kafka:connect-file:${CONNECT}`,
    serde,
    ...logging,
  ]);
  dir = mkdtempSync(join(tmpdir(), 'allo-java-clients-'));
  writeFileSync(join(dir, 'log4j2.properties'), LOG4J_CONFIG);
  topics = await createTestTopics(['jc_raw', 'jc_calls', 'jc_messages', 'jc_contacts'], 1);
  const [raw, calls, messages, contacts] = topics.names as [string, string, string, string];
  config = parseAnalyticsStreamConfig({
    ...readStackEnv(),
    RAW_TOPIC: raw,
    RAW_TOPIC_PARTITIONS: '1',
    ANALYTICS_CALLS_TOPIC: calls,
    ANALYTICS_MESSAGES_TOPIC: messages,
    ANALYTICS_CONTACTS_TOPIC: contacts,
    ANALYTICS_STREAM_GROUP_ID: uniqueName('java'),
    ANALYTICS_STREAM_PORT: '0',
    ANALYTICS_STREAM_HOST: '127.0.0.1',
  });
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const codec = await RawRecordCodec.connect(SCHEMA_REGISTRY_URL, raw);
  await publishFixtures(producer, codec, raw, [
    alloFixtures.callCompleted({ id: 'cll_java_1', from: '+14155550142', to: '+14155550100', startedAt: T0 }),
    alloFixtures.smsReceived({ id: 'msg_java_1', content: TEXT, at: T0 }),
  ]);
  stream = await startAnalyticsStream(config, pino({ level: 'warn' }));
  const reader = await collectTopics(topics.kafka, [calls, messages]);
  await reader.until('both typed records', (all) => all.length === 2).finally(() => reader.stop());
}, 600_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stream?.close();
  await producer?.disconnect();
  await topics?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SERDE_CONFIG = {
  'apicurio.registry.url': APICURIO_V2,
  'apicurio.registry.as-confluent': 'true',
  'apicurio.registry.use-id': 'contentId',
  'apicurio.registry.headers.enabled': 'false',
};

function java(lib: string, mainClass: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(
    'java',
    [
      '-Duser.timezone=UTC',
      `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
      '-cp',
      `${lib}/*`,
      mainClass,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-50_000)));
  return { child, output: () => output };
}

describe('typed topics read by independent clients', () => {
  it("Kafka's Java consumer with Apicurio's Avro deserializer decodes a message record", async () => {
    const properties = Object.entries({
      'value.deserializer': 'io.apicurio.registry.serde.avro.AvroKafkaDeserializer',
      ...prefixed('value.deserializer.', SERDE_CONFIG),
      'print.key': 'true',
      'key.separator': ' | ',
    });
    const { child, output } = java(consumerLib, 'org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server',
      KAFKA_BROKERS,
      '--topic',
      config.typedTopics.messages,
      '--from-beginning',
      '--max-messages',
      '1',
      '--timeout-ms',
      '60000',
      '--isolation-level',
      'read_committed',
      ...properties.flatMap(([key, value]) => ['--formatter-property', `${key}=${value}`]),
    ]);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const text = output();
    expect({ code, text }).toMatchObject({ code: 0 });
    const line = text.split('\n').find((l) => l.startsWith('msg_java_1 | '));
    expect(line).toBeDefined();
    const value = JSON.parse(line!.slice('msg_java_1 | '.length)) as Record<string, unknown>;
    expect(value).toMatchObject({
      message_id: 'msg_java_1',
      content: TEXT,
      direction: 'INBOUND',
      event_topic: 'sms.received',
      sent_at: T0.getTime() - 600,
    });
  }, 120_000);

  it("Kafka Connect standalone with Apicurio's converter sinks a call record to a file", async () => {
    const sink = join(dir, 'calls.txt');
    writeFileSync(
      join(dir, 'worker.properties'),
      properties({
        'bootstrap.servers': KAFKA_BROKERS,
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
        ...prefixed('value.converter.', SERDE_CONFIG),
        'consumer.isolation.level': 'read_committed',
        'offset.storage.file.filename': join(dir, 'connect.offsets'),
        listeners: `http://127.0.0.1:${await freePort()}`,
        'plugin.discovery': 'only_scan',
      }),
    );
    writeFileSync(
      join(dir, 'sink.properties'),
      properties({
        name: uniqueName('allo-calls-file-sink'),
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
        'tasks.max': '1',
        topics: config.typedTopics.calls,
        file: sink,
      }),
    );
    const { child, output } = java(connectLib, 'org.apache.kafka.connect.cli.ConnectStandalone', [
      join(dir, 'worker.properties'),
      join(dir, 'sink.properties'),
    ]);
    const deadline = Date.now() + 120_000;
    while (!(existsSync(sink) && readFileSync(sink, 'utf8').includes('call_id='))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`Kafka Connect wrote no record:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.kill('SIGTERM');
    const line = readFileSync(sink, 'utf8').trim();
    // FileStreamSink writes Struct.toString(); Connect maps timestamp-millis to java.util.Date.
    for (const field of [
      'call_id=cll_java_1',
      'status=completed',
      'direction=INBOUND',
      'duration_seconds=435',
      'has_recording=true',
      'tags=[pricing]',
      'started_at=Tue Feb 03 09:12:04 UTC 2026',
    ])
      expect(line).toContain(field);
    // Struct.toString() leaves null fields out: the call has no contact.
    expect(line).not.toContain('contact_id=');
  }, 180_000);
});

function prefixed(prefix: string, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}${key}`, value]));
}

function properties(values: Record<string, string>): string {
  return `${Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

const LOG4J_CONFIG = `status = error
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = STDERR
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d %p %c: %m%n
`;
