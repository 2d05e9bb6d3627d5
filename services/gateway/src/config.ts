import {
  asServiceConfigError,
  parseKafkaSettings,
  parseLogLevel,
  parseRawTopicSettings,
  parseSchemaRegistryUrl,
  type KafkaSettings,
  type LogLevel,
} from '@allo-pipeline/service-config';
import { GatewayConfigError } from './config-error.js';
import { loadSources, readSourceLayers, type SourceLayers, type SourceSecrets } from './sources-config.js';

export { GatewayConfigError } from './config-error.js';
export { DEFAULT_SOURCE } from './sources-config.js';

export interface GatewayConfig {
  port: number;
  host: string;
  /** Allo workspaces by route name at start-up; `default` serves POST /webhooks/allo. */
  sources: SourceSecrets;
  /** What the sources were built from; with a sources file, the gateway reloads it on change. */
  sourceLayers: SourceLayers;
  bodyLimitBytes: number;
  toleranceSeconds: number;
  /** Reply 503 when Kafka has not acknowledged within this time (Allo gives up at 20 s). */
  ackDeadlineMs: number;
  shutdownTimeoutMs: number;
  rawTopic: string;
  rawTopicPartitions: number;
  /** Used when the gateway creates the raw topic (RAW_TOPIC_REPLICATION_FACTOR). */
  rawTopicReplicationFactor: number;
  rawTopicMinInsyncReplicas: number;
  kafka: KafkaSettings;
  schemaRegistryUrl: string;
  tls: { certFile: string; keyFile: string } | null;
  logLevel: LogLevel;
}

/** Parses and validates the gateway's environment once; throws GatewayConfigError naming the variable. */
export function parseGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  return asServiceConfigError(
    (variable, problem) => new GatewayConfigError(variable, problem),
    () => read(env),
  );
}

function read(env: NodeJS.ProcessEnv): GatewayConfig {
  const sourceLayers = readSourceLayers(env);
  const rawTopic = parseRawTopicSettings(env);
  return {
    port: readInt(env, 'GATEWAY_PORT', 8080, 0, 65535),
    host: env.GATEWAY_HOST ?? '0.0.0.0',
    sources: loadSources(sourceLayers),
    sourceLayers,
    bodyLimitBytes: readInt(env, 'GATEWAY_BODY_LIMIT_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
    toleranceSeconds: readInt(env, 'SIGNATURE_TOLERANCE_SECONDS', 300, 1, 86_400),
    ackDeadlineMs: readInt(env, 'GATEWAY_ACK_DEADLINE_MS', 10_000, 100, 19_000),
    shutdownTimeoutMs: readInt(env, 'GATEWAY_SHUTDOWN_TIMEOUT_MS', 15_000, 100, 120_000),
    rawTopic: rawTopic.topic,
    rawTopicPartitions: rawTopic.partitions,
    rawTopicReplicationFactor: rawTopic.replicationFactor,
    rawTopicMinInsyncReplicas: rawTopic.minInsyncReplicas,
    kafka: parseKafkaSettings(env),
    schemaRegistryUrl: parseSchemaRegistryUrl(env),
    tls: readTls(env),
    logLevel: parseLogLevel(env),
  };
}

function readTls(env: NodeJS.ProcessEnv): GatewayConfig['tls'] {
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if (!certFile && !keyFile) return null;
  if (!certFile) throw new GatewayConfigError('TLS_CERT_FILE', 'must be set together with TLS_KEY_FILE');
  if (!keyFile) throw new GatewayConfigError('TLS_KEY_FILE', 'must be set together with TLS_CERT_FILE');
  return { certFile, keyFile };
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GatewayConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}
