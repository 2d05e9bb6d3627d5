import { logLevel, type Admin, type Kafka } from 'kafkajs';
import { readSupervisorState } from '@allo-pipeline/infra';
import type { Kysely } from 'kysely';
import { createKafkaClient } from '@allo-pipeline/service-config';
import type { Logger } from 'pino';
import { readProjectionStatus } from '@allo-pipeline/projection-runtime';
import { RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  connectReadModels,
  migrateToLatest,
  PROJECTION_NAMES,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import type { CliEnv } from './cli-env.js';
import { listDeadLetters, replayDeadLetters } from './dead-letters.js';
import { runExport } from './export-command.js';
import { formatDeadLetters, formatReplay, formatServices, formatStatus } from './format-status.js';
import type { Command } from './parse-command.js';
import { createProgressReporter } from './progress-bar.js';
import { rebuildProjection } from './rebuild-projection.js';
import { rebuildInPlace, resetOffsets } from './reset-offsets.js';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly stderr: NodeJS.WriteStream;
  readonly logger: Logger;
}

/** Runs one parsed command; returns the exit code (0 ok, 1 something still failing). */
export async function runCommand(
  // `allo` commands need no database: main runs them with runAlloCommand.
  command: Exclude<Command, { name: 'help' } | { name: 'allo' }>,
  env: CliEnv,
  io: CliIo,
): Promise<number> {
  const db = connectReadModels(env.databaseUrl, { max: 4 });
  const resources: Array<() => Promise<void>> = [() => db.destroy()];
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
    const admin = async (): Promise<{ kafka: Kafka; admin: Admin }> => {
      const kafka = createKafkaClient(env.kafka(), { clientId: 'allo-cli', logLevel: logLevel.ERROR });
      const client = kafka.admin();
      await client.connect();
      resources.unshift(() => client.disconnect());
      return { kafka, admin: client };
    };
    return await dispatch(command, env, io, db, admin);
  } finally {
    for (const release of resources) await release().catch(() => undefined);
  }
}

async function dispatch(
  command: Exclude<Command, { name: 'help' } | { name: 'allo' }>,
  env: CliEnv,
  io: CliIo,
  db: Kysely<ReadModelDatabase>,
  connectKafka: () => Promise<{ kafka: Kafka; admin: Admin }>,
): Promise<number> {
  switch (command.name) {
    case 'status':
      return status(command, env, io, db, connectKafka);
    case 'reset-offsets': {
      const { admin } = await connectKafka();
      const { version, offsets } = await resetOffsets(
        { db, admin, rawTopic: env.rawTopic },
        command.projection,
        command.to,
      );
      const list = [...offsets]
        .sort(([a], [b]) => a - b)
        .map(([p, o]) => `p${p}=${o}`)
        .join(' ');
      io.out(
        `${command.projection} g${version}: stored offsets set to ${list || '(no partitions)'}; epoch bumped, live projectors re-seek (a stop on the log is lifted)`,
      );
      return 0;
    }
    case 'rebuild':
      return rebuild(command, env, io, db, connectKafka);
    case 'dlq-list':
      io.out(
        formatDeadLetters(
          await listDeadLetters(db, { projection: command.projection, limit: command.limit }),
        ),
      );
      return 0;
    case 'export': {
      const { rows, ms } = await runExport(command, { db, stderr: io.stderr, now: Date.now });
      io.out(`${command.entity}: ${rows} rows to ${command.out} in ${(ms / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'dlq-replay': {
      const codec = await RawRecordCodec.connect(env.schemaRegistryUrl(), env.rawTopic);
      const results = await replayDeadLetters(
        { db, codec },
        { projection: command.projection, target: command.selection },
      );
      io.out(formatReplay(results));
      return results.some(
        (r) => r.outcome === 'failed' || (command.selection.kind === 'id' && r.outcome === 'skipped'),
      )
        ? 1
        : 0;
    }
  }
}

async function status(
  command: Extract<Command, { name: 'status' }>,
  env: CliEnv,
  io: CliIo,
  db: Kysely<ReadModelDatabase>,
  connectKafka: () => Promise<{ kafka: Kafka; admin: Admin }>,
): Promise<number> {
  const { admin } = await connectKafka();
  const services = () => {
    if (env.stateDir) io.out(formatServices(readSupervisorState(env.stateDir), env.stateDir));
  };
  if (!(await admin.listTopics()).includes(env.rawTopic)) {
    io.out(
      `raw topic ${env.rawTopic} does not exist on ${env.kafkaBrokers().join(',')}: the gateway creates it ` +
        'when it starts (npm start), or RAW_TOPIC / KAFKA_BROKERS name another log.',
    );
    services();
    return 1;
  }
  const statuses = [];
  for (const name of PROJECTION_NAMES)
    statuses.push(await readProjectionStatus(db, admin, name, env.rawTopic));
  if (command.json) io.out(JSON.stringify(statuses, null, 2));
  else {
    io.out(formatStatus(statuses));
    services();
  }
  // Non-zero while a projection is stopped, so scripts and health checks notice.
  return statuses.some((s) => s.problems.length > 0) ? 1 : 0;
}

async function rebuild(
  command: Extract<Command, { name: 'rebuild' }>,
  env: CliEnv,
  io: CliIo,
  db: Kysely<ReadModelDatabase>,
  connectKafka: () => Promise<{ kafka: Kafka; admin: Admin }>,
): Promise<number> {
  if (command.inPlace) {
    const { kafka, admin } = await connectKafka();
    const codec = await RawRecordCodec.connect(env.schemaRegistryUrl(), env.rawTopic);
    const { version, tables, bulk } = await rebuildInPlace(
      { db, databaseUrl: env.databaseUrl, kafka, admin, codec, rawTopic: env.rawTopic, logger: io.logger },
      command.projection,
      { allowTruncatedLog: command.allowTruncatedLog },
    );
    io.out(
      bulk.kind === 'loaded'
        ? `${command.projection} g${version}: truncated ${tables.join(', ')} and reloaded ${bulk.records} log records ` +
            `(${bulk.deadLetters} dead letters); epoch bumped, running projectors continue from the loaded offsets ` +
            '(not zero-downtime: readers saw the tables empty, then refilling).'
        : `${command.projection} g${version}: truncated ${tables.join(', ')}; offsets set to the log start, epoch bumped. ` +
            `The bulk load failed (${bulk.error}), so running projectors replay from there; readers see partial data ` +
            'until they catch up (not zero-downtime).',
    );
    return 0;
  }
  const { kafka, admin } = await connectKafka();
  const codec = await RawRecordCodec.connect(env.schemaRegistryUrl(), env.rawTopic);
  const { version, previousVersion, partial } = await rebuildProjection(
    {
      db,
      databaseUrl: env.databaseUrl,
      kafka,
      admin,
      codec,
      rawTopic: env.rawTopic,
      logger: io.logger,
      now: Date.now,
      onProgress: createProgressReporter(io.stderr, Date.now),
    },
    command.projection,
    { from: command.from, allowTruncatedLog: command.allowTruncatedLog },
  );
  io.out(
    `${command.projection}: generation ${version} is live (replaced g${previousVersion}, which was dropped)` +
      (partial ? '; it is recorded as partial (see status)' : ''),
  );
  return 0;
}
