import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { ensureRawTopic, kafkaLogToPino, RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import type { GatewayConfig } from './config.js';
import { createGateway } from './create-gateway.js';
import { cachedFor, checkWithin, type DependencyReport } from './dependency-checks.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { KafkaRawEventPublisher } from './kafka-raw-event-publisher.js';

export interface RunningGateway {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly server: Server;
  /** Stops accepting, finishes in-flight publishes, disconnects; bounded by shutdownTimeoutMs. */
  close(): Promise<void>;
}

/** Connects the gateway's real dependencies (Kafka, registry), then listens. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const kafka = new Kafka({
    clientId: 'allo-gateway',
    brokers: config.kafkaBrokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogToPino(logger),
  });
  const rawTopic = await ensureRawTopic(kafka, config.rawTopic, {
    numPartitions: config.rawTopicPartitions,
    bodyLimitBytes: config.bodyLimitBytes,
    requireCapacity: true,
  });
  for (const warning of rawTopic.warnings) logger.warn({ topic: config.rawTopic }, warning);
  const codec = await RawRecordCodec.connect(config.schemaRegistryUrl, config.rawTopic);
  const publisher = new KafkaRawEventPublisher(kafka, { topic: config.rawTopic, logger });
  await publisher.connect();
  const readiness = await readinessProbe(config, codec.schemaId);
  const app = createGateway({
    ...config,
    publisher,
    encode: (record) => codec.encode(record),
    checkDependencies: readiness.check,
    logger,
    metrics: createGatewayMetrics({ defaultMetrics: true }),
    now: Date.now,
  });
  const callback = app.callback();
  const handler = (req: IncomingMessage, res: ServerResponse): void => void callback(req, res);
  const server = config.tls
    ? createHttpsServer(
        { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
        handler,
      )
    : createHttpServer(handler);
  // Allo waits 20 s; a request that stalls longer is dropped by Allo anyway.
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    await shutdown(server, publisher, config.shutdownTimeoutMs);
    await readiness.close();
  };
  return { url, server, close };
}

async function shutdown(server: Server, publisher: KafkaRawEventPublisher, timeoutMs: number): Promise<void> {
  const bound = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
  const drained = (async () => {
    // close() waits for in-flight requests, whose handlers wait for their publishes.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await publisher.close();
  })();
  await Promise.race([drained, bound]);
  server.closeAllConnections();
}

/**
 * /readyz's checks: a metadata request for the raw topic on a client of its own that does not
 * retry, and a GET of the raw schema from the registry, each bounded at 1.5 s, kept for 1 s.
 */
async function readinessProbe(
  config: GatewayConfig,
  schemaId: number,
): Promise<{ check: () => Promise<DependencyReport>; close: () => Promise<void> }> {
  const kafka = new Kafka({
    clientId: 'allo-gateway-readiness',
    brokers: config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 1_500,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  const schemaUrl = `${config.schemaRegistryUrl.replace(/\/$/, '')}/schemas/ids/${schemaId}`;
  const check = cachedFor(READINESS_CACHE_MS, Date.now, async (): Promise<DependencyReport> => {
    const [kafkaCheck, registry] = await Promise.all([
      checkWithin('kafka', READINESS_TIMEOUT_MS, () =>
        admin.fetchTopicMetadata({ topics: [config.rawTopic] }),
      ),
      checkWithin('schema registry', READINESS_TIMEOUT_MS, () => fetchOk(schemaUrl, READINESS_TIMEOUT_MS)),
    ]);
    return { kafka: kafkaCheck, registry };
  });
  return { check, close: () => admin.disconnect() };
}

const READINESS_TIMEOUT_MS = 1_500;
const READINESS_CACHE_MS = 1_000;

async function fetchOk(url: string, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}
