import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logLevel, type Admin } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { readProjectionStatus } from '@allo-pipeline/projection-runtime';
import { kafkaLogToPino } from '@allo-pipeline/raw-webhook-record';
import { createKafkaClient, type KafkaSettings } from '@allo-pipeline/service-config';
import {
  connectReadModels,
  ensureLiveGeneration,
  migrateToLatest,
  PROJECTION_NAMES,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import type { QueryApiConfig } from './config.js';
import { createQueryApi } from './create-query-api.js';
import type { ProjectionStatusReader } from './projections-report.js';
import { createQueryApiMetrics } from './query-api-metrics.js';

export interface RunningQueryApi {
  /** Base URL, e.g. http://127.0.0.1:8090 */
  readonly url: string;
  readonly server: Server;
  /** Stops accepting, lets in-flight requests finish, closes Kafka and the pool; bounded by shutdownTimeoutMs. */
  close(): Promise<void>;
}

/**
 * Prepares the read models (migrations and a live generation per projection, both safe while
 * projectors do the same), so the API can start before the projectors, then listens.
 */
export async function startQueryApi(config: QueryApiConfig, logger: Logger): Promise<RunningQueryApi> {
  const db = connectReadModels(config.databaseUrl, {
    onConnectionError: (error) =>
      logger.warn(
        { err: { message: error.message } },
        'Postgres connection failed outside a query; it will be replaced',
      ),
  });
  await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const projection of PROJECTION_NAMES) await ensureLiveGeneration(db, projection);
  const admin = config.kafka ? createAdmin(config.kafka, logger) : null;
  const app = createQueryApi({
    db,
    tokens: config.tokens,
    logger,
    now: Date.now,
    readProjectionStatus: admin && lazyStatusReader(admin, db, config.rawTopic),
    rawTopic: config.rawTopic,
    metrics: createQueryApiMetrics({ defaultMetrics: true }),
  });
  const callback = app.callback();
  const server = createServer((req, res) => void callback(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    const bound = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
    const orderly = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await admin?.disconnect();
      await db.destroy();
    })();
    await Promise.race([orderly, bound]);
    server.closeAllConnections();
  };
  return { url: `http://${hostForUrl(config.host)}:${port}`, server, close };
}

// Few retries and a short timeout: a dashboard poll should learn quickly that Kafka is away.
function createAdmin(settings: KafkaSettings, logger: Logger): Admin {
  const kafka = createKafkaClient(settings, {
    clientId: 'allo-query-api',
    logLevel: logLevel.WARN,
    logCreator: kafkaLogToPino(logger),
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  return kafka.admin();
}

/** Connects the admin on first use (and again after a failed attempt), so Kafka may start later. */
function lazyStatusReader(
  admin: Admin,
  db: Kysely<ReadModelDatabase>,
  topic: string,
): ProjectionStatusReader {
  let connecting: Promise<void> | undefined;
  return async (projection) => {
    connecting ??= admin.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    await connecting;
    return readProjectionStatus(db, admin, projection, topic);
  };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
