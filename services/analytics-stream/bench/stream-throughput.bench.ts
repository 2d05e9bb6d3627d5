// Typed-stream throughput beside the raw topic's consume-only rate, in the same run: publishes
// simulated Allo history (default 50,000 raw records, the simulator's mix, 6 partitions), then
// (a) a kafkajs consumer only counts the raw records (no decode), (b) the same plus decode and
// parse, (c) the analytics stream turns them into typed records, exactly once (transactions,
// sendOffsets), timed from its first commit until its committed offsets reach the end of the log.
// Run: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… npx tsx services/analytics-stream/bench/stream-throughput.bench.ts [records]
import { parseAlloEvent, partitionKey } from '@allo-pipeline/allo-events';
import { generateHistory } from '@allo-pipeline/allo-simulator';
import { RawRecordCodec, rawRecordHeaders, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { createTestTopics, readStackEnv, uniqueName } from '@allo-pipeline/testing';
import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { parseAnalyticsStreamConfig } from '../src/config.js';
import { startAnalyticsStream } from '../src/start-analytics-stream.js';

const TOTAL = Number(process.argv[2] ?? 50_000);
const PARTITIONS = 6;
const env = readStackEnv();
const perSecond = (count: number, ms: number) => Math.round((count * 1000) / Math.max(ms, 1));
const emit = (result: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ ...result, node: process.version })}\n`);

const topics = await createTestTopics(
  ['bench_raw', 'bench_calls', 'bench_messages', 'bench_contacts'],
  PARTITIONS,
);
const [raw, calls, messages, contacts] = topics.names as [string, string, string, string];
try {
  const codec = await RawRecordCodec.connect(env.SCHEMA_REGISTRY_URL, raw);
  await publish(topics.kafka, codec, raw, records(TOTAL));
  await consume(topics.kafka, raw, 'stream/raw-consume-only', () => Promise.resolve());
  await consume(topics.kafka, raw, 'stream/raw-consume-decode-parse', async (value) => {
    parseAlloEvent((await codec.decode(value)).body);
  });
  await typedStream(topics.kafka);
} finally {
  await topics.drop();
}

function records(count: number): RawWebhookRecord[] {
  const history = generateHistory({
    seed: 11,
    calls: Math.ceil(count / 5),
    smsConversations: Math.ceil(count / 10),
    contacts: Math.ceil(count / 20),
  });
  return history.slice(0, count).map((event) => {
    const at = Date.parse((JSON.parse(event.body) as { timestamp: string }).timestamp);
    return {
      webhookId: event.id,
      webhookTimestamp: Math.floor(at / 1000),
      receivedAt: at + 120,
      source: 'default',
      topic: event.topic,
      body: Buffer.from(event.body),
    };
  });
}

async function publish(kafka: Kafka, codec: RawRecordCodec, topic: string, all: RawWebhookRecord[]) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < all.length; i += 2000) {
    const chunk = all.slice(i, i + 2000);
    const batch = await Promise.all(
      chunk.map(async (record) => {
        const parsed = parseAlloEvent(record.body);
        const key = parsed.ok ? partitionKey(parsed.event) : record.webhookId;
        return { key, value: await codec.encode(record), headers: rawRecordHeaders(record) };
      }),
    );
    await producer.send({ topic, messages: batch });
  }
  await producer.disconnect();
}

async function consume(
  kafka: Kafka,
  topic: string,
  bench: string,
  handle: (value: Buffer | null) => Promise<void>,
) {
  const consumer = kafka.consumer({ groupId: uniqueName('bench') });
  let seen = 0;
  let firstAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      firstAt ||= performance.now();
      for (const message of batch.messages) await handle(message.value);
      seen += batch.messages.length;
      if (seen >= TOTAL) done();
    },
  });
  await finished;
  const ms = performance.now() - firstAt;
  await consumer.disconnect();
  emit({ bench, records: seen, recordsPerSecond: perSecond(seen, ms) });
}

async function typedStream(kafka: Kafka) {
  const groupId = uniqueName('bench_stream');
  const config = parseAnalyticsStreamConfig({
    ...env,
    RAW_TOPIC: raw,
    RAW_TOPIC_PARTITIONS: String(PARTITIONS),
    ANALYTICS_CALLS_TOPIC: calls,
    ANALYTICS_MESSAGES_TOPIC: messages,
    ANALYTICS_CONTACTS_TOPIC: contacts,
    ANALYTICS_STREAM_GROUP_ID: groupId,
    ANALYTICS_STREAM_PORT: '0',
  });
  const admin = kafka.admin();
  await admin.connect();
  const started = performance.now();
  const stream = await startAnalyticsStream(config, pino({ level: 'warn' }));
  let firstAt = 0;
  let committed = 0;
  while (committed < TOTAL) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    committed = await committedCount(admin, groupId);
    if (committed > 0) firstAt ||= performance.now();
  }
  const ended = performance.now();
  await stream.close();
  const typed = await endCount(admin, [calls, messages, contacts]);
  await admin.disconnect();
  emit({
    bench: 'stream/typed-exactly-once',
    records: committed,
    typedRecords: typed,
    recordsPerSecond: perSecond(committed, ended - firstAt),
    includingStartMs: Math.round(ended - started),
  });
}

async function committedCount(admin: Admin, groupId: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [raw] });
  return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

// Each transaction adds a commit marker to every typed partition it wrote: count records, not offsets.
async function endCount(admin: Admin, names: string[]): Promise<string> {
  const ends = await Promise.all(names.map((name) => admin.fetchTopicOffsets(name)));
  return `${ends.flat().reduce((sum, p) => sum + Number(p.high), 0)} offsets incl. markers`;
}
