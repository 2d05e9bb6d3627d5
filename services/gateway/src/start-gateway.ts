import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { ensureRawTopic, kafkaLogToPino, RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import { createKafkaClient } from '@allo-pipeline/service-config';
import type { GatewayConfig } from './config.js';
import { createGateway } from './create-gateway.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { KafkaRawEventPublisher } from './kafka-raw-event-publisher.js';
import { LiveSources, type ReloadOutcome } from './live-sources.js';
import { readinessProbe } from './readiness-probe.js';

export interface RunningGateway {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly server: Server;
  /** Re-reads the sources file now (main calls it on SIGHUP); keeps the old sources if it is invalid. */
  reloadSources(trigger: string): ReloadOutcome;
  /** Stops accepting, finishes in-flight publishes, disconnects; bounded by shutdownTimeoutMs. */
  close(): Promise<void>;
}

/** Connects the gateway's real dependencies (Kafka, registry), then listens. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const kafka = createKafkaClient(config.kafka, {
    clientId: 'allo-gateway',
    logLevel: logLevel.WARN,
    logCreator: kafkaLogToPino(logger),
  });
  const rawTopic = await ensureRawTopic(kafka, config.rawTopic, {
    numPartitions: config.rawTopicPartitions,
    replicationFactor: config.rawTopicReplicationFactor,
    minInsyncReplicas: config.rawTopicMinInsyncReplicas,
    bodyLimitBytes: config.bodyLimitBytes,
    requireCapacity: true,
  });
  for (const warning of rawTopic.warnings) logger.warn({ topic: config.rawTopic }, warning);
  const codec = await RawRecordCodec.connect(config.schemaRegistryUrl, config.rawTopic);
  const publisher = new KafkaRawEventPublisher(kafka, {
    topic: config.rawTopic,
    maxBatchBytes: rawTopic.maxMessageBytes,
    logger,
  });
  await publisher.connect();
  const readiness = await readinessProbe(config, codec.schemaId);
  const metrics = createGatewayMetrics({ defaultMetrics: true });
  const sources = new LiveSources({
    layers: config.sourceLayers,
    initial: config.sources,
    logger,
    now: Date.now,
    onReload: (outcome) =>
      metrics.sourcesReloads.inc({
        outcome: !outcome.ok ? 'rejected' : outcome.changed ? 'changed' : 'unchanged',
      }),
  });
  sources.watch();
  // Catches a change made between reading the config and starting the watch.
  sources.reload('start-up');
  const app = createGateway({
    ...config,
    sources,
    sourcesFileStatus: () => sources.fileStatus(),
    publisher,
    encode: (record) => codec.encode(record),
    checkDependencies: readiness.check,
    logger,
    metrics,
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
  try {
    await listenOn(server, config);
  } catch (error) {
    // Nothing was served: release what start-up connected, so the process can end.
    sources.close();
    await publisher.close();
    await readiness.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    sources.close();
    await shutdown(server, publisher, config.shutdownTimeoutMs);
    await readiness.close();
  };
  return { url, server, reloadSources: (trigger) => sources.reload(trigger), close };
}

/** Listens; rejects naming GATEWAY_PORT when the address is taken (it was an unhandled crash). */
function listenOn(server: Server, config: Pick<GatewayConfig, 'port' | 'host'>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `GATEWAY_PORT=${config.port}: ${config.host}:${config.port} is already in use (another gateway, or another program, listens there)`,
            )
          : new Error(
              `GATEWAY_PORT=${config.port}: cannot listen on ${config.host}:${config.port}: ${error.message}`,
            ),
      ),
    );
    server.listen(config.port, config.host, resolve);
  });
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
