// Rebuild throughput, side by side on one topic: publishes simulated Allo history (default 200,000
// raw records, the mix and body sizes of the simulator) to a fresh topic, then measures, each in
// its own child process (so that peakRssMb is that measurement's own):
// - rebuild/consume-decode: kafkajs consumer + RawRecordCodec.decode + parseAlloEvent, no Postgres
//   (the read bound every rebuild is compared with);
// - rebuild/zero-downtime/<projection>: rebuildProjection, the CLI's `rebuild <projection>`;
// - rebuild/in-place/<projection>: rebuildInPlace, the CLI's `rebuild <projection> --in-place`;
// - rebuild/copy-bound/<projection>: COPY of the rebuilt generation's rows (every table) into fresh
//   tables without indexes, through this process (the write bound).
// Prints one JSON line per measurement on stdout and nothing else (progress and logs go to stderr).
// Run: KAFKA_BROKERS=… SCHEMA_REGISTRY_URL=… DATABASE_URL=… npx tsx packages/cli/bench/rebuild.bench.ts
//   [records | --records N] [projections | --projections calls,messages] [--cpu-prof-dir DIR]
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { pino } from 'pino';
import { parseAlloEvent, partitionKey } from '@allo-pipeline/allo-events';
import { generateHistory } from '@allo-pipeline/allo-simulator';
import { RawRecordCodec, rawRecordHeaders, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import {
  connectReadModels,
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  readLiveGeneration,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { rebuildProjection } from '../src/rebuild-projection.js';
import { rebuildInPlace } from '../src/reset-offsets.js';

const PARTITIONS = 6;
/**
 * V8 grows the old generation to several times the live heap before collecting (a rebuild's
 * live heap stays around 40 MB at 200k records, yet the heap reached 140 MB and the RSS 430 MB
 * with node's default limit); every measured process, consume-decode included, runs with this cap,
 * as `NODE_OPTIONS=--max-old-space-size=160 npm run cli -- rebuild …` does.
 */
const HEAP_MB = 160;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL)`);
  return value;
}

const perSecond = (count: number, ms: number): number => Math.round((count * 1000) / Math.max(ms, 1));
/**
 * Peaks of this process's RSS, its heap and its memory outside the heap (Buffers), sampled every
 * 50 ms. Not process.resourceUsage().maxRSS: a spawned child inherits the parent's high-water mark
 * from the fork (measured: a child of an 842 MB parent reports 804 MB with 42 MB resident).
 */
const memoryPeaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0 };
const peakRssMb = (): number => Math.round(memoryPeaks.rss / 2 ** 20);
function sampleMemory(): void {
  const m = process.memoryUsage();
  memoryPeaks.rss = Math.max(memoryPeaks.rss, m.rss);
  memoryPeaks.heapTotal = Math.max(memoryPeaks.heapTotal, m.heapTotal);
  memoryPeaks.heapUsed = Math.max(memoryPeaks.heapUsed, m.heapUsed);
  memoryPeaks.external = Math.max(memoryPeaks.external, m.external);
}
const log = (message: string): void => void process.stderr.write(`rebuild bench: ${message}\n`);

function kafkaClient(): Kafka {
  return new Kafka({
    clientId: 'rebuild-bench',
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel.ERROR,
  });
}

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

/** Publishes `count` records in slices, so the parent never holds them all encoded. */
async function publish(producer: Producer, codec: RawRecordCodec, topic: string, count: number) {
  const started = performance.now();
  const records = rawRecords(count);
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
  log(
    `published ${records.length} records (mean value ${Math.round(bytes / records.length)} bytes) in ${Math.round(ms)} ms`,
  );
}

// ---- measurements (each runs in a child process) ----

interface ChildArgs {
  readonly topic: string;
  readonly databaseUrl: string;
  readonly records: number;
  readonly projection: ProjectionName;
}

type Measurement = Record<string, unknown> & { bench: string; records: number; elapsedMs: number };

function measured(
  bench: string,
  records: number,
  ms: number,
  extra: Record<string, unknown> = {},
): Measurement {
  sampleMemory();
  return {
    bench,
    records,
    elapsedMs: Math.round(ms),
    recordsPerSecond: perSecond(records, ms),
    peakRssMb: peakRssMb(),
    peakHeapTotalMb: Math.round(memoryPeaks.heapTotal / 2 ** 20),
    peakHeapUsedMb: Math.round(memoryPeaks.heapUsed / 2 ** 20),
    peakExternalMb: Math.round(memoryPeaks.external / 2 ** 20),
    ...extra,
  };
}

/** kafkajs consumer + RawRecordCodec.decode + parseAlloEvent, one message after the other. */
async function consumeDecode({ topic, records }: ChildArgs): Promise<Measurement> {
  const codec = await RawRecordCodec.connect(env('SCHEMA_REGISTRY_URL'), topic);
  const consumer = kafkaClient().consumer({ groupId: `bench-decode-${Date.now()}` });
  let seen = 0;
  let invalid = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const record = await codec.decode(message.value);
        if (!parseAlloEvent(record.body).ok) invalid += 1;
        seen += 1;
      }
      if (seen >= records) done();
    },
  });
  await finished;
  const ms = performance.now() - started;
  await consumer.disconnect();
  return measured('rebuild/consume-decode', seen, ms, { invalid });
}

async function withCli<T>(
  args: ChildArgs,
  run: (deps: Awaited<ReturnType<typeof cliDeps>>) => Promise<T>,
): Promise<T> {
  const deps = await cliDeps(args);
  try {
    return await run(deps);
  } finally {
    await deps.admin.disconnect();
    await deps.db.destroy();
  }
}

async function cliDeps({ topic, databaseUrl }: ChildArgs) {
  const db = connectReadModels(databaseUrl, { max: 4 });
  const kafka = kafkaClient();
  const admin = kafka.admin();
  await admin.connect();
  await migrateToLatest(db as unknown as Kysely<unknown>);
  const codec = await RawRecordCodec.connect(env('SCHEMA_REGISTRY_URL'), topic);
  return { db, databaseUrl, kafka, admin, codec, rawTopic: topic, logger };
}

async function zeroDowntime(args: ChildArgs): Promise<Measurement> {
  return withCli(args, async (deps) => {
    await ensureLiveGeneration(deps.db, args.projection);
    const started = performance.now();
    const { bulk } = await rebuildProjection(
      { ...deps, now: Date.now, groupId: `bench-rebuild-${args.projection}-${Date.now()}` },
      args.projection,
    );
    const ms = performance.now() - started;
    return measured(`rebuild/zero-downtime/${args.projection}`, args.records, ms, {
      bulk,
      rows: await rowCount(deps.db, args.projection),
    });
  });
}

async function inPlace(args: ChildArgs): Promise<Measurement> {
  return withCli(args, async (deps) => {
    await ensureLiveGeneration(deps.db, args.projection);
    const started = performance.now();
    const { bulk } = await rebuildInPlace(
      { ...deps, groupId: `bench-in-place-${args.projection}-${Date.now()}` },
      args.projection,
    );
    const ms = performance.now() - started;
    return measured(`rebuild/in-place/${args.projection}`, args.records, ms, {
      bulk: bulk.kind,
      deadLetters: bulk.kind === 'loaded' ? bulk.deadLetters : null,
      rows: await rowCount(deps.db, args.projection),
    });
  });
}

const MAIN_TABLE: Record<ProjectionName, string> = {
  calls: 'calls',
  messages: 'messages',
  contacts: 'contacts',
};

async function rowCount(db: Kysely<ReadModelDatabase>, projection: ProjectionName): Promise<number> {
  const { rows } = await sql<{
    n: string;
  }>`select count(*) as n from ${sql.table(`read_model.${MAIN_TABLE[projection]}`)}`.execute(db);
  return Number(rows[0]!.n);
}

/** The write bound: every table of the live generation COPYed through this process into fresh unindexed tables. */
async function copyBound(args: ChildArgs): Promise<Measurement> {
  const db = connectReadModels(args.databaseUrl, { max: 2 });
  const live = await readLiveGeneration(db, args.projection);
  await db.destroy();
  if (!live) throw new Error(`projection ${args.projection} has no live generation to copy`);
  const schema = generationSchema(args.projection, live.version);
  const target = `bench_copy_${args.projection}`;
  const source = new pg.Client({ connectionString: args.databaseUrl });
  const sink = new pg.Client({ connectionString: args.databaseUrl });
  await Promise.all([source.connect(), sink.connect()]);
  try {
    const { rows: tables } = await source.query<{ tablename: string }>(
      'select tablename from pg_tables where schemaname = $1 order by tablename',
      [schema],
    );
    await sink.query(`drop schema if exists "${target}" cascade; create schema "${target}"`);
    for (const { tablename } of tables)
      await sink.query(
        `create table "${target}"."${tablename}" (like "${schema}"."${tablename}" including defaults)`,
      );
    let rows = 0;
    let bytes = 0;
    const started = performance.now();
    for (const { tablename } of tables) {
      const out = source.query(copyTo(`copy "${schema}"."${tablename}" to stdout`));
      const into = sink.query(copyFrom(`copy "${target}"."${tablename}" from stdin`));
      out.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await pipeline(out, into);
      rows += Number(into.rowCount);
    }
    const ms = performance.now() - started;
    await sink.query(`drop schema "${target}" cascade`);
    return measured(`rebuild/copy-bound/${args.projection}`, args.records, ms, {
      rows,
      megabytes: Math.round(bytes / 1e6),
      tables: tables.map((t) => t.tablename),
    });
  } finally {
    await Promise.all([source.end(), sink.end()]);
  }
}

const MODES = {
  'consume-decode': consumeDecode,
  'zero-downtime': zeroDowntime,
  'in-place': inPlace,
  'copy-bound': copyBound,
};
type Mode = keyof typeof MODES;

/** Runs one measurement in a child process (this file with --child); returns its JSON line. */
function runChild(
  mode: Mode,
  args: ChildArgs,
  options: { cpuProfDir: string | undefined; heapMb: number },
): Promise<Measurement> {
  const { cpuProfDir, heapMb } = options;
  const nodeArgs = [
    ...process.execArgv,
    ...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : []),
    ...(cpuProfDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${cpuProfDir}`,
          `--cpu-prof-name=rebuild-${mode}-${args.projection}.cpuprofile`,
        ]
      : []),
    fileURLToPath(import.meta.url),
    '--child',
    mode,
    '--topic',
    args.topic,
    '--database-url',
    args.databaseUrl,
    '--records',
    String(args.records),
    '--projections',
    args.projection,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode} ${args.projection}: child exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim()) as Measurement);
      } catch (error) {
        reject(new Error(`${mode}: unreadable child output ${JSON.stringify(out)}: ${String(error)}`));
      }
    });
  });
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

function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...result, node: process.version })}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      records: { type: 'string' },
      projections: { type: 'string' },
      child: { type: 'string' },
      topic: { type: 'string' },
      'database-url': { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      // Keeps the topic and the database (for EXPLAIN and profiling afterwards); says their names on stderr.
      keep: { type: 'boolean' },
      // Old-generation cap of every measured process (0: node's default, about a quarter of RAM).
      'heap-mb': { type: 'string' },
    },
  });
  const records = Number(values.records ?? positionals[0] ?? 200_000);
  if (!Number.isInteger(records) || records <= 0) throw new Error(`--records must be a positive integer`);
  const names = (values.projections ?? positionals[1] ?? 'calls,messages,contacts').split(
    ',',
  ) as ProjectionName[];
  if (values.child) {
    setInterval(sampleMemory, 50).unref();
    const args = {
      topic: values.topic!,
      databaseUrl: values['database-url']!,
      records,
      projection: names[0]!,
    };
    process.stdout.write(`${JSON.stringify(await MODES[values.child as Mode](args))}\n`);
    return;
  }
  const serverUrl = env('DATABASE_URL');
  const suffix = `${Date.now().toString(36)}_${process.pid}`;
  const topic = `bench.rebuild.${suffix}`;
  const database = `bench_rebuild_${suffix}`;
  const kafka = kafkaClient();
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
  const childOptions = { cpuProfDir: values['cpu-prof-dir'], heapMb: Number(values['heap-mb'] ?? HEAP_MB) };
  try {
    const codec = await RawRecordCodec.connect(env('SCHEMA_REGISTRY_URL'), topic);
    await producer.connect();
    await publish(producer, codec, topic, records);
    const base = { topic, databaseUrl: databaseUrl.toString(), records };
    const bound = await runChild('consume-decode', { ...base, projection: 'calls' }, childOptions);
    emit(bound);
    const ratio = (m: Measurement) =>
      Math.round((Number(m.recordsPerSecond) / Number(bound.recordsPerSecond)) * 100) / 100;
    for (const projection of names) {
      for (const mode of ['zero-downtime', 'in-place', 'copy-bound'] as const) {
        log(`${mode} ${projection}…`);
        const m = await runChild(mode, { ...base, projection }, childOptions);
        emit({ ...m, ratioToConsumeDecode: ratio(m) });
      }
    }
  } finally {
    await producer.disconnect();
    if (values.keep) log(`kept topic ${topic} and database ${database}`);
    else await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    if (!values.keep) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

await main();
