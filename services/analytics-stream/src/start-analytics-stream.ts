import { logLevel, type ConsumerConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createProbeApp, startProbeServer, type Readiness } from '@allo-pipeline/projection-runtime';
import { ensureRawTopic, kafkaLogToPino, RawRecordCodec } from '@allo-pipeline/raw-webhook-record';
import { createKafkaClient } from '@allo-pipeline/service-config';
import { AnalyticsStream } from './analytics-stream.js';
import type { AnalyticsStreamConfig } from './config.js';
import { createStreamMetrics } from './stream-metrics.js';
import { registerTypedSchemas } from './typed-codec.js';
import { TYPED_SCHEMAS_V1, type TypedSchemas } from './typed-schemas.js';

export interface RunningAnalyticsStream {
  /** Base URL of the probe server (/healthz, /readyz, /metrics). */
  readonly url: string;
  readonly stream: AnalyticsStream;
  /** Stops consuming and the HTTP server; resolves within config.shutdownTimeoutMs. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** The typed schemas to register (tests pass evolved ones); default version 1. */
  readonly schemas?: TypedSchemas;
  readonly consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  readonly onCrash?: (error: Error) => void;
}

/**
 * Starts the analytics stream: ensures the raw topic and the typed topics (unlimited retention,
 * room for the largest body), registers the typed schemas (a schema the registry finds
 * incompatible throws SchemaIncompatibleError here, before anything is consumed or published),
 * then consumes and serves the probes. Throws if Kafka or the registry is unreachable.
 */
export async function startAnalyticsStream(
  config: AnalyticsStreamConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningAnalyticsStream> {
  const kafka = createKafkaClient(config.kafka, {
    clientId: 'allo-analytics-stream',
    logLevel: logLevel.WARN,
    logCreator: kafkaLogToPino(logger),
  });
  const raw = await ensureRawTopic(kafka, config.rawTopic, {
    numPartitions: config.rawTopicPartitions,
    replicationFactor: config.rawTopicReplicationFactor,
    minInsyncReplicas: config.rawTopicMinInsyncReplicas,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  for (const warning of raw.warnings) logger.warn({ topic: config.rawTopic }, warning);
  let typedMaxMessageBytes = Number.MAX_SAFE_INTEGER;
  const { calls, messages, contacts } = config.typedTopics;
  for (const topic of [calls, messages, contacts]) {
    // Same settings as the raw topic: typed records are kept as long as the log they come from.
    const typed = await ensureRawTopic(kafka, topic, {
      numPartitions: config.typedTopicPartitions,
      replicationFactor: config.typedTopicReplicationFactor,
      minInsyncReplicas: config.typedTopicMinInsyncReplicas,
      bodyLimitBytes: config.bodyLimitBytes,
    });
    typedMaxMessageBytes = Math.min(typedMaxMessageBytes, typed.maxMessageBytes);
  }
  const typedCodec = await registerTypedSchemas(
    config.schemaRegistryUrl,
    config.typedTopics,
    options.schemas ?? TYPED_SCHEMAS_V1,
  );
  const rawCodec = await RawRecordCodec.connect(config.schemaRegistryUrl, config.rawTopic);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'allo_analytics_process_' });
  const heartbeatInterval = Math.min(1_000, Math.floor(config.sessionTimeoutMs / 3));
  const stream = new AnalyticsStream({
    kafka,
    rawCodec,
    typedCodec,
    rawTopic: config.rawTopic,
    typedTopics: config.typedTopics,
    groupId: config.groupId,
    transactionalIdPrefix: config.transactionalIdPrefix,
    transactionTimeoutMs: config.transactionTimeoutMs,
    typedMaxMessageBytes,
    commitDelayMs: config.commitDelayMs,
    metrics: createStreamMetrics(registry),
    logger,
    consumer: {
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval,
      maxWaitTimeInMs: heartbeatInterval,
      ...options.consumer,
    },
    ...(options.onCrash ? { onCrash: options.onCrash } : {}),
  });
  await stream.start();
  const app = createProbeApp({
    registry,
    logger,
    readiness: async (): Promise<Readiness> => {
      const state = stream.readiness();
      if (!state.ready) return state;
      if (await withTimeout(rawCodec.isReachable(), 2000)) return state;
      return { ready: false, reason: 'the schema registry (SCHEMA_REGISTRY_URL) does not answer within 2 s' };
    },
  });
  const server = await startProbeServer(app, config.port, config.host);
  const close = async (): Promise<void> => {
    const bound = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
    const orderly = (async () => {
      await stream.stop();
      await server.close();
    })();
    await Promise.race([orderly, bound]);
  };
  return { url: server.url, stream, close };
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
