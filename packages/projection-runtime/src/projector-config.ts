import { DEFAULT_BODY_LIMIT_BYTES } from '@allo-pipeline/raw-webhook-record';
import type { ProjectionName } from '@allo-pipeline/read-models';
import {
  asServiceConfigError,
  ConfigError,
  parseDatabaseUrl,
  parseKafkaSettings,
  parseLogLevel,
  parseRawTopicSettings,
  parseSchemaRegistryUrl,
  readInt,
  type KafkaSettings,
  type LogLevel,
} from '@allo-pipeline/service-config';

/** A configuration problem found at start-up; the message names the variable. */
export class ProjectorConfigError extends ConfigError {
  constructor(variable: string, problem: string) {
    super(variable, problem);
    this.name = 'ProjectorConfigError';
  }
}

export interface ProjectorConfig {
  readonly projection: ProjectionName;
  readonly kafka: KafkaSettings;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  readonly rawTopic: string;
  readonly rawTopicPartitions: number;
  /** Used when this projector is the first service to start and creates the raw topic. */
  readonly rawTopicReplicationFactor: number;
  readonly rawTopicMinInsyncReplicas: number;
  readonly port: number;
  readonly host: string;
  readonly groupId: string;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** Kafka consumer-group session timeout: how soon a killed projector's partitions move on. */
  readonly sessionTimeoutMs: number;
  /** How long one batch may keep failing transiently before /readyz reports the projector stuck. */
  readonly stuckAfterMs: number;
  /** How many partitions' batches are applied at once, each in its own transaction. */
  readonly partitionsConcurrently: number;
  /** The gateway's body limit: the raw topic (created by whichever service starts first) must hold it. */
  readonly bodyLimitBytes: number;
}

export const DEFAULT_PORTS: Record<ProjectionName, number> = { calls: 8101, messages: 8102, contacts: 8103 };

/** The env variable holding a projector's HTTP port, e.g. PROJECTOR_CALLS_PORT. */
export function portVariable(projection: ProjectionName): string {
  return `PROJECTOR_${projection.toUpperCase()}_PORT`;
}

/** The consumer group of a projection's live service. */
export function liveGroupId(projection: ProjectionName): string {
  return `allo-projector-${projection}`;
}

/** Parses a projector's environment once; throws ProjectorConfigError naming the variable. */
export function parseProjectorConfig(env: NodeJS.ProcessEnv, projection: ProjectionName): ProjectorConfig {
  return asServiceConfigError(
    (variable, problem) => new ProjectorConfigError(variable, problem),
    () => read(env, projection),
  );
}

function read(env: NodeJS.ProcessEnv, projection: ProjectionName): ProjectorConfig {
  const rawTopic = parseRawTopicSettings(env);
  return {
    projection,
    kafka: parseKafkaSettings(env),
    schemaRegistryUrl: parseSchemaRegistryUrl(env),
    databaseUrl: parseDatabaseUrl(env),
    rawTopic: rawTopic.topic,
    rawTopicPartitions: rawTopic.partitions,
    rawTopicReplicationFactor: rawTopic.replicationFactor,
    rawTopicMinInsyncReplicas: rawTopic.minInsyncReplicas,
    port: readInt(env, portVariable(projection), DEFAULT_PORTS[projection], 0, 65535),
    host: env.PROJECTOR_HOST || '0.0.0.0',
    groupId: env[`PROJECTOR_${projection.toUpperCase()}_GROUP_ID`] || liveGroupId(projection),
    logLevel: parseLogLevel(env),
    shutdownTimeoutMs: readInt(env, 'PROJECTOR_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
    // The broker's smallest allowed value (group.min.session.timeout.ms): a restarted projector
    // rejoins its group once Kafka has given up on the killed one, so this bounds its recovery.
    sessionTimeoutMs: readInt(env, 'PROJECTOR_SESSION_TIMEOUT_MS', 6_000, 6_000, 300_000),
    stuckAfterMs: readInt(env, 'PROJECTOR_STUCK_AFTER_MS', 30_000, 1_000, 3_600_000),
    // Partitions applied at once: batches of several partitions commit in parallel transactions
    // instead of one after the other, which bounds freshness by one batch instead of a batch per
    // partition. Each needs a connection of its own (the pool is sized from it).
    partitionsConcurrently: readInt(env, 'PROJECTOR_PARTITIONS_CONCURRENTLY', 6, 1, 64),
    // Shared with the gateway (same variable, same bounds): see services/gateway/src/config.ts.
    bodyLimitBytes: readInt(env, 'GATEWAY_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, 1, 64 * 1024 * 1024),
  };
}
