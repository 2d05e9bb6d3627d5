import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { alloFixtures, fixtureId, publishFixtures } from '@allo-pipeline/projection-runtime';
import { RawRecordCodec, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  collectTopics,
  createTestTopics,
  ensureMavenClasspath,
  readStackEnv,
  uniqueName,
  type CollectedMessage,
  type TestTopics,
} from '@allo-pipeline/testing';

// The real service process is SIGKILLed inside open transactions, repeatedly, while raw records
// (with redeliveries of earlier webhook ids) keep arriving. A commit delay (the chaos setting
// ANALYTICS_STREAM_COMMIT_DELAY_MS) holds each transaction open for a while; a read_uncommitted
// watcher lets each incarnation commit for a while, then kills it as soon as it sees a record of
// an open transaction, so every restart must both rebuild state and resume after committed work. Afterwards a read_committed reader
// must see exactly one typed record per distinct webhook id, none for redeliveries, and each
// entity's records in raw-log order.

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const KILLS = 4;
const INITIAL_RECORDS = 40;
const CHUNK_RECORDS = 8;
/** How long an incarnation publishes before the next record it publishes triggers the kill. */
const LET_COMMIT_MS = 1_200;

let topics: TestTopics;
let codec: RawRecordCodec;
let producer: Producer;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (tsc -b)`);
  topics = await createTestTopics(['eo_raw', 'eo_calls', 'eo_messages', 'eo_contacts'], 3);
  codec = await RawRecordCodec.connect(readStackEnv().SCHEMA_REGISTRY_URL, topics.names[0]!);
  producer = topics.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await producer?.disconnect();
  await topics?.drop();
});

/** Calls (completion then a tag), messages and contact updates, with about 1 in 8 a redelivery. */
function makeRecords(count: number, earlier: readonly RawWebhookRecord[]): RawWebhookRecord[] {
  const records: RawWebhookRecord[] = [];
  while (records.length < count) {
    const n = earlier.length + records.length;
    const at = new Date(Date.UTC(2026, 1, 3, 9) + n * 1000);
    if (n % 8 === 7 && earlier.length > 0) {
      // Same webhook id and body (so the same raw partition), as Allo's retries send it.
      records.push(earlier[(n * 13) % earlier.length]!);
      continue;
    }
    const callId = fixtureId('cll_');
    records.push(alloFixtures.callCompleted({ id: callId, from: '+1415555', to: '+1415556', startedAt: at }));
    records.push(alloFixtures.tagAdded({ callId, tag: `t${n}`, at: new Date(at.getTime() + 600_000) }));
    records.push(alloFixtures.smsReceived({ id: fixtureId('msg_'), content: `hello ${n}`, at }));
    records.push(alloFixtures.contactUpdated({ id: `con_${n % 7}`, jobTitle: `title ${n}`, at }));
  }
  return records;
}

/** The children's last log lines, printed when the test fails. */
let stderrTail = '';

function startService(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

describe('exactly once under SIGKILL', () => {
  it('gives every raw webhook id exactly one typed record, in raw order per entity', async () => {
    const [raw, calls, messages, contacts] = topics.names as [string, string, string, string];
    const env = {
      ...process.env,
      ...readStackEnv(),
      RAW_TOPIC: raw,
      RAW_TOPIC_PARTITIONS: '3',
      ANALYTICS_CALLS_TOPIC: calls,
      ANALYTICS_MESSAGES_TOPIC: messages,
      ANALYTICS_CONTACTS_TOPIC: contacts,
      ANALYTICS_STREAM_GROUP_ID: uniqueName('eo'),
      ANALYTICS_STREAM_PORT: '0',
      ANALYTICS_STREAM_COMMIT_DELAY_MS: '250',
      LOG_LEVEL: 'warn',
    };
    let child = startService(env);
    let armed = true;
    let kills = 0;
    let firstSeenAt: number | undefined;
    const watcher = await collectTopics(topics.kafka, [calls, messages, contacts], {
      readUncommitted: true,
      onMessage: () => {
        if (!armed) return;
        // Let this incarnation commit a few transactions first, then kill it inside the next one.
        firstSeenAt ??= Date.now();
        if (Date.now() - firstSeenAt < LET_COMMIT_MS) return;
        armed = false;
        firstSeenAt = undefined;
        kills += 1;
        child.kill('SIGKILL');
      },
    });
    const published: RawWebhookRecord[] = [];
    const publish = async (count: number) => {
      const records = makeRecords(count, published);
      await publishFixtures(producer, codec, raw, records);
      published.push(...records);
    };
    try {
      await publish(INITIAL_RECORDS);
      for (let k = 0; k < KILLS; k += 1) {
        // Load while this incarnation works, until the watcher has killed it.
        await waitFor('the incarnation to publish', () => firstSeenAt !== undefined || kills > k);
        while (kills <= k) {
          await publish(CHUNK_RECORDS);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        await exited(child);
        child = startService(env);
        armed = k + 1 < KILLS;
      }
      await publish(CHUNK_RECORDS);
      const distinct = new Set(published.map((r) => r.webhookId));
      const reader = await collectTopics(topics.kafka, [calls, messages, contacts]);
      try {
        await reader.until(
          `${distinct.size} committed records`,
          (all) => all.length >= distinct.size,
          120_000,
        );
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        // The oracle is Kafka's own Java consumer in read_committed mode: kafkajs's read_committed
        // filter lets records of an aborted transaction through when several aborted
        // transactions began before the first record of a fetch (it activates one per record),
        // and a killed process leaves one open transaction per raw partition.
        const records = await readCommittedWithJava([calls, messages, contacts]);
        const ids = records.map((r) => r.webhookId);
        expect(kills).toBe(KILLS);
        expect(ids.length).toBe(distinct.size);
        expect(new Set(ids)).toEqual(distinct);
        // Some killed transactions had published records: read_uncommitted saw more than survived.
        expect(watcher.messages.length).toBeGreaterThan(records.length);
        const kafkajsView = await decodeAll(reader.messages);
        process.stderr.write(
          `exactly-once: ${distinct.size} webhook ids; read_committed records: Java ${records.length}, kafkajs ${kafkajsView.length}; read_uncommitted ${watcher.messages.length}\n`,
        );
        expectRawOrderPerEntity(records, published);
      } finally {
        await reader.stop();
      }
    } catch (error) {
      process.stderr.write(`analytics-stream logs (tail):\n${stderrTail}\n`);
      throw error;
    } finally {
      await watcher.stop();
      child.kill('SIGTERM');
      await exited(child);
    }
  }, 300_000);
});

async function waitFor(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after 90 s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const registry = new SchemaRegistry({ host: readStackEnv().SCHEMA_REGISTRY_URL });

async function decodeAll(messages: readonly CollectedMessage[]) {
  return Promise.all(
    messages.map(async ({ topic, partition, message }) => {
      const value = (await registry.decode(message.value!)) as { webhook_id: string };
      return { topic, partition, key: message.key!.toString(), webhookId: value.webhook_id };
    }),
  );
}

/** Per typed topic and key, webhook ids appear in the order of their first raw delivery. */
function expectRawOrderPerEntity(
  records: Awaited<ReturnType<typeof decodeAll>>,
  published: readonly RawWebhookRecord[],
) {
  const rawOrder = new Map<string, number>();
  published.forEach((r, i) => (rawOrder.has(r.webhookId) ? undefined : rawOrder.set(r.webhookId, i)));
  const byEntity = new Map<string, number[]>();
  for (const r of records) {
    const positions = byEntity.get(`${r.topic}/${r.key}`) ?? [];
    positions.push(rawOrder.get(r.webhookId)!);
    byEntity.set(`${r.topic}/${r.key}`, positions);
  }
  for (const [entity, positions] of byEntity)
    expect({ entity, positions }).toEqual({ entity, positions: [...positions].sort((a, b) => a - b) });
}

const KAFKA = '4.4.0';
const APICURIO_SERDE = '2.6.13.Final';
const LOG4J = '2.26.1';

/** Every record of `topicNames` as Kafka's console consumer reads it in read_committed mode. */
async function readCommittedWithJava(
  topicNames: readonly string[],
): Promise<Array<{ topic: string; partition: number; key: string; webhookId: string }>> {
  const lib = await ensureMavenClasspath(`analytics-consumer-kafka-${KAFKA}-apicurio-${APICURIO_SERDE}`, [
    `org.apache.kafka:kafka-tools:${KAFKA}`,
    `io.apicurio:apicurio-registry-utils-converter:${APICURIO_SERDE}`,
    `org.apache.logging.log4j:log4j-core:${LOG4J}`,
    `org.apache.logging.log4j:log4j-slf4j-impl:${LOG4J}`,
  ]);
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL } = readStackEnv();
  const serde = {
    'value.deserializer': 'io.apicurio.registry.serde.avro.AvroKafkaDeserializer',
    'value.deserializer.apicurio.registry.url': SCHEMA_REGISTRY_URL.replace(
      /\/apis\/ccompat\/v\d+\/?$/,
      '/apis/registry/v2',
    ),
    'value.deserializer.apicurio.registry.as-confluent': 'true',
    'value.deserializer.apicurio.registry.use-id': 'contentId',
    'value.deserializer.apicurio.registry.headers.enabled': 'false',
    'print.key': 'true',
    'print.partition': 'true',
    'key.separator': ' | ',
  };
  const records: Array<{ topic: string; partition: number; key: string; webhookId: string }> = [];
  for (const topic of topicNames) {
    const args = [
      ...['-cp', `${lib}/*`, 'org.apache.kafka.tools.consumer.ConsoleConsumer'],
      ...['--bootstrap-server', KAFKA_BROKERS, '--topic', topic, '--from-beginning'],
      ...['--timeout-ms', '8000', '--isolation-level', 'read_committed'],
      ...Object.entries(serde).flatMap(([key, value]) => ['--formatter-property', `${key}=${value}`]),
    ];
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-5_000)));
    await new Promise((resolve) => child.once('exit', resolve));
    for (const line of out.split('\n')) {
      const match = /^Partition:(\d+) \| (.*?) \| (\{.*\})$/.exec(line);
      if (!match) continue;
      const webhookId = /"webhook_id": "([^"]+)"/.exec(match[3]!)?.[1];
      if (!webhookId) throw new Error(`no webhook_id in ${line}`);
      records.push({ topic, partition: Number(match[1]), key: match[2]!, webhookId });
    }
    if (records.length === 0 && err) process.stderr.write(`console consumer: ${err}\n`);
  }
  return records;
}
