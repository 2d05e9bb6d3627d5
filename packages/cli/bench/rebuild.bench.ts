// Rebuild throughput: publishes simulated Allo history (default 200,000 raw records, the mix and body
// sizes of the simulator) to a fresh topic, then measures (a) consume + decode + parse only, no
// Postgres, and (b) a zero-downtime rebuild of each projection from the log, with the runtime the
// CLI uses (rebuildProjection → ProjectorRunner). Prints one JSON line per measurement.
// Run: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… DATABASE_URL=… npx tsx packages/cli/bench/rebuild.bench.ts [records] [projections]
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { parseAlloEvent, partitionKey } from '@allo-pipeline/allo-events';
import { generateHistory } from '@allo-pipeline/allo-simulator';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { RawRecordCodec, rawRecordHeaders, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  connectReadModels,
  ensureLiveGeneration,
  migrateToLatest,
  type ProjectionName,
} from '@allo-pipeline/read-models';
import { rebuildProjection } from '../src/rebuild-projection.js';

const PARTITIONS = 6;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL)`);
  return value;
}

function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...result, node: process.version })}\n`);
}

const perSecond = (count: number, ms: number): number => Math.round((count * 1000) / Math.max(ms, 1));

/** Simulated history as gateway records: ~1.07 events per requested record at these ratios. */
function rawRecords(count: number): RawWebhookRecord[] {
  const history = generateHistory({
    seed: 7,
    calls: Math.ceil(count / 5),
    smsConversations: Math.ceil(count / 10),
    contacts: Math.ceil(count / 20),
  });
  if (history.length < count) throw new Error(`the simulator generated only ${history.length} events`);
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

async function publish(
  producer: Producer,
  codec: RawRecordCodec,
  topic: string,
  records: RawWebhookRecord[],
) {
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < records.length; i += 2000) {
    const messages = await Promise.all(
      records.slice(i, i + 2000).map(async (record) => {
        const parsed = parseAlloEvent(record.body);
        const value = await codec.encode(record);
        bytes += value.length;
        return {
          key: parsed.ok ? partitionKey(parsed.event) : record.webhookId,
          value,
          headers: rawRecordHeaders(record),
        };
      }),
    );
    await producer.send({ topic, messages });
  }
  const ms = performance.now() - started;
  emit({
    bench: 'rebuild/publish',
    records: records.length,
    meanValueBytes: Math.round(bytes / records.length),
    elapsedMs: Math.round(ms),
    recordsPerSecond: perSecond(records.length, ms),
  });
}

/** (a) kafkajs consumer + RawRecordCodec.decode + parseAlloEvent, one message after the other. */
async function consumeAndDecode(kafka: Kafka, codec: RawRecordCodec, topic: string, total: number) {
  const consumer = kafka.consumer({ groupId: `bench-decode-${Date.now()}` });
  let seen = 0;
  let invalid = 0;
  let firstAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (firstAt === 0) firstAt = performance.now();
      for (const message of batch.messages) {
        const record = await codec.decode(message.value);
        if (!parseAlloEvent(record.body).ok) invalid += 1;
        seen += 1;
      }
      if (seen >= total) done();
    },
  });
  const timeout = setTimeout(() => done(), 600_000);
  await finished;
  clearTimeout(timeout);
  const ended = performance.now();
  await consumer.disconnect();
  emit({
    bench: 'rebuild/consume-decode-parse',
    records: seen,
    invalid,
    elapsedMs: Math.round(ended - started),
    recordsPerSecond: perSecond(seen, ended - started),
    afterFirstBatchRecordsPerSecond: perSecond(seen, ended - firstAt),
  });
}

/** (b) a full rebuild of one projection into a fresh database, timed from the CLI's entry point. */
async function rebuild(
  kafka: Kafka,
  codec: RawRecordCodec,
  topic: string,
  databaseUrl: string,
  name: ProjectionName,
  records: RawWebhookRecord[],
) {
  const db = connectReadModels(databaseUrl, { max: 4 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
    await ensureLiveGeneration(db, name);
    let firstProgressAt = 0;
    const started = performance.now();
    await rebuildProjection(
      {
        db,
        kafka,
        admin,
        codec,
        rawTopic: topic,
        logger,
        now: Date.now,
        groupId: `bench-rebuild-${name}-${Date.now()}`,
        onProgress: (p) => {
          if (firstProgressAt === 0 && p.done > 0) firstProgressAt = performance.now();
        },
      },
      name,
    );
    const ms = performance.now() - started;
    const relevant = records.filter((r) => r.topic !== null && PROJECTIONS[name].topics.includes(r.topic));
    const tables = { calls: 'calls', messages: 'messages', contacts: 'contacts' } as const;
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from ${sql.table(`read_model.${tables[name]}`)}`.execute(db);
    emit({
      bench: `rebuild/${name}`,
      records: records.length,
      recordsForProjection: relevant.length,
      rows: Number(rows[0]!.n),
      elapsedMs: Math.round(ms),
      recordsPerSecond: perSecond(records.length, ms),
      projectionEventsPerSecond: perSecond(relevant.length, ms),
      afterFirstCommitRecordsPerSecond: firstProgressAt
        ? perSecond(records.length, ms - (firstProgressAt - started))
        : null,
    });
  } finally {
    await admin.disconnect();
    await db.destroy();
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 200_000);
  const names = (process.argv[3] ?? 'calls,messages,contacts').split(',') as ProjectionName[];
  const serverUrl = env('DATABASE_URL');
  const suffix = `${Date.now().toString(36)}_${process.pid}`;
  const topic = `bench.rebuild.${suffix}`;
  const database = `bench_rebuild_${suffix}`;
  const kafka = new Kafka({
    clientId: 'rebuild-bench',
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  await adminQuery(serverUrl, `CREATE DATABASE "${database}"`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${database}`;
  const producer = kafka.producer();
  try {
    const records = rawRecords(count);
    const codec = await RawRecordCodec.connect(env('SCHEMA_REGISTRY_URL'), topic);
    await producer.connect();
    await publish(producer, codec, topic, records);
    await consumeAndDecode(kafka, codec, topic, records.length);
    for (const name of names) await rebuild(kafka, codec, topic, databaseUrl.toString(), name, records);
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

await main();
