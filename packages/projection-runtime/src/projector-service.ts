import { logLevel, type ConsumerConfig } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { ensureRawTopic, kafkaLogToPino, RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import {
  connectReadModels,
  ensureLiveGeneration,
  migrateToLatest,
  type ProjectionName,
} from '@allo-pipeline/read-models';
import { createKafkaClient, startupLogLevel } from '@allo-pipeline/service-config';
import { readConfigOrExit, runUntilStopped } from '@allo-pipeline/service-lifecycle';
import { parseProjectorConfig, type ProjectorConfig } from './projector-config.js';
import { ProjectorRunner } from './projector-runner.js';
import { createProbeApp, startProbeServer, type Readiness } from './probe-server.js';

export interface RunningProjector {
  /** Base URL of the probe server. */
  readonly url: string;
  readonly runner: ProjectorRunner;
  /** Stops the consumer, the HTTP server and the pool; resolves within config.shutdownTimeoutMs. */
  close(): Promise<void>;
}

/**
 * Starts one projector: migrates the read-model schema and ensures the live generation (both safe
 * concurrently), ensures the raw topic, then runs the consumer and the probe server.
 */
export async function startProjectorService(
  config: ProjectorConfig,
  logger: Logger,
  options: { consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>; onCrash?: (error: Error) => void } = {},
): Promise<RunningProjector> {
  const db = connectReadModels(config.databaseUrl, {
    // One connection per partition applied at once, plus the runner's own reads and /readyz.
    max: config.partitionsConcurrently + 4,
    // Every batch commits its rows with its log position, so a commit lost in a Postgres crash
    // is applied again from Kafka (position-protocol.ts, invariant 7). Waiting for each WAL flush
    // was what bounded freshness: concurrent batches queued on WALWrite/WalSync at commit.
    synchronousCommit: false,
    onConnectionError: (error) =>
      logger.warn(
        { err: { message: error.message } },
        'Postgres connection failed outside a query; it will be replaced',
      ),
  });
  await migrateToLatest(db as unknown as Kysely<unknown>);
  await ensureLiveGeneration(db, config.projection);
  const kafka = createKafkaClient(config.kafka, {
    clientId: `allo-projector-${config.projection}`,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogToPino(logger),
  });
  const rawTopic = await ensureRawTopic(kafka, config.rawTopic, {
    numPartitions: config.rawTopicPartitions,
    replicationFactor: config.rawTopicReplicationFactor,
    minInsyncReplicas: config.rawTopicMinInsyncReplicas,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  for (const warning of rawTopic.warnings) logger.warn({ topic: config.rawTopic }, warning);
  const codec = await RawRecordCodec.connect(config.schemaRegistryUrl, config.rawTopic);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'allo_projector_process_' });
  const runner = new ProjectorRunner({
    kafka,
    db,
    codec,
    projection: PROJECTIONS[config.projection],
    rawTopic: config.rawTopic,
    groupId: config.groupId,
    logger,
    metrics: registry,
    now: Date.now,
    target: { kind: 'live' },
    stuckAfterMs: config.stuckAfterMs,
    partitionsConcurrently: config.partitionsConcurrently,
    ...options,
    consumer: {
      ...groupTimings(config.sessionTimeoutMs),
      ...options.consumer,
    },
  });
  await runner.start();
  const isDbReachable = async (): Promise<boolean> => {
    await sql`select 1`.execute(db);
    return true;
  };
  const app = createProbeApp({
    registry,
    logger,
    readiness: async (): Promise<Readiness> => {
      const state = runner.readiness();
      if (!state.ready) return state;
      if (await withTimeout(isDbReachable(), 2000)) return state;
      return { ready: false, reason: 'the read-model database (DATABASE_URL) does not answer within 2 s' };
    },
  });
  const server = await startProbeServer(app, config.port, config.host);
  const close = async (): Promise<void> => {
    const bound = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
    const orderly = (async () => {
      await runner.stop();
      await server.close();
      await db.destroy();
    })();
    await Promise.race([orderly, bound]);
  };
  return { url: server.url, runner, close };
}

/**
 * The whole main of a projector service: parse the environment (exit 2 naming the bad variable),
 * start, and stop on SIGTERM/SIGINT, or when the supervisor's IPC channel closes, within the
 * shutdown bound (@allo-pipeline/service-lifecycle). A stop during start-up exits at once, which
 * is safe: nothing is half-applied (each batch is one transaction). A consumer that crashed for
 * good exits 1 so the supervisor restarts it.
 */
export async function runProjectorService(projection: ProjectionName): Promise<void> {
  const logger = pino({ name: `projector-${projection}`, level: startupLogLevel(process.env) });
  const config = readConfigOrExit(logger, () => parseProjectorConfig(process.env, projection));
  await runUntilStopped({
    name: 'projector',
    logger,
    start: async (controls) => {
      const service = await startProjectorService(config, logger, {
        onCrash: (error) => controls.fail(error, 'consumer crashed and will not restart; exiting'),
      });
      logger.info(
        { url: service.url, topic: config.rawTopic, groupId: config.groupId },
        'projector listening',
      );
      return service;
    },
  });
}

/**
 * Consumer-group timings for a session of `sessionTimeoutMs`: heartbeats several times per session,
 * and fetch long-polls well below it (kafkajs heartbeats between fetches, and the runner keeps
 * heartbeating while a batch is applied).
 */
function groupTimings(sessionTimeoutMs: number): Partial<ConsumerConfig> {
  const heartbeatInterval = Math.min(1_000, Math.floor(sessionTimeoutMs / 3));
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval, maxWaitTimeInMs: heartbeatInterval };
}

async function withTimeout(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([check.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
