import { DEFAULT_BODY_LIMIT_BYTES } from '@allo-pipeline/raw-webhook-record';
import {
  asServiceConfigError,
  ConfigError,
  parseKafkaSettings,
  parseRawTopicSettings,
  parseSchemaRegistryUrl,
  readInt,
  readMinInsync,
  readReplicationFactor,
  type KafkaSettings,
} from '@allo-pipeline/service-config';

/** A configuration problem found at start-up; the message names the variable. */
export class AnalyticsStreamConfigError extends ConfigError {
  constructor(variable: string, problem: string) {
    super(variable, problem);
    this.name = 'AnalyticsStreamConfigError';
  }
}

/** The three typed topics, by entity. */
export interface TypedTopics {
  readonly calls: string;
  readonly messages: string;
  readonly contacts: string;
}

export const DEFAULT_TYPED_TOPICS: TypedTopics = {
  calls: 'allo.calls.v1',
  messages: 'allo.messages.v1',
  contacts: 'allo.contacts.v1',
};

export const DEFAULT_ANALYTICS_STREAM_PORT = 8104;
export const DEFAULT_GROUP_ID = 'allo-analytics-stream';

export interface AnalyticsStreamConfig {
  readonly kafka: KafkaSettings;
  readonly schemaRegistryUrl: string;
  readonly rawTopic: string;
  readonly rawTopicPartitions: number;
  /** Used when this service is the first to start and creates the raw topic. */
  readonly rawTopicReplicationFactor: number;
  readonly rawTopicMinInsyncReplicas: number;
  readonly typedTopics: TypedTopics;
  /** Partitions of a typed topic this service creates (existing topics are kept as they are). */
  readonly typedTopicPartitions: number;
  /** The typed topics' replication: the raw topic's unless ANALYTICS_TOPIC_REPLICATION_FACTOR says otherwise. */
  readonly typedTopicReplicationFactor: number;
  readonly typedTopicMinInsyncReplicas: number;
  readonly groupId: string;
  /** Transactional ids are `<prefix>-<raw topic>-<partition>`: one producer per raw partition. */
  readonly transactionalIdPrefix: string;
  readonly port: number;
  readonly host: string;
  readonly sessionTimeoutMs: number;
  /** How long an open transaction of a killed process may block read_committed readers at most. */
  readonly transactionTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** Shared with the gateway: the raw topic (created by whichever service starts first) must hold it. */
  readonly bodyLimitBytes: number;
  /**
   * Chaos testing only (default 0): waits this long between publishing a transaction's records
   * and committing it, so a crash test can kill the process inside the transaction.
   */
  readonly commitDelayMs: number;
}

/** Parses the environment once; throws AnalyticsStreamConfigError naming the variable. */
export function parseAnalyticsStreamConfig(env: NodeJS.ProcessEnv): AnalyticsStreamConfig {
  return asServiceConfigError(
    (variable, problem) => new AnalyticsStreamConfigError(variable, problem),
    () => read(env),
  );
}

function read(env: NodeJS.ProcessEnv): AnalyticsStreamConfig {
  const raw = parseRawTopicSettings(env);
  const typedReplicationGiven = Boolean(env.ANALYTICS_TOPIC_REPLICATION_FACTOR?.trim());
  const typedTopicReplicationFactor = readReplicationFactor(
    env,
    'ANALYTICS_TOPIC_REPLICATION_FACTOR',
    raw.replicationFactor,
  );
  // Same durability as the raw topic they are derived from, unless configured apart.
  const typedTopicMinInsyncReplicas =
    typedReplicationGiven || env.ANALYTICS_TOPIC_MIN_INSYNC_REPLICAS?.trim()
      ? readMinInsync(env, 'ANALYTICS_TOPIC_MIN_INSYNC_REPLICAS', typedTopicReplicationFactor)
      : raw.minInsyncReplicas;
  const typedTopics = {
    calls: env.ANALYTICS_CALLS_TOPIC?.trim() || DEFAULT_TYPED_TOPICS.calls,
    messages: env.ANALYTICS_MESSAGES_TOPIC?.trim() || DEFAULT_TYPED_TOPICS.messages,
    contacts: env.ANALYTICS_CONTACTS_TOPIC?.trim() || DEFAULT_TYPED_TOPICS.contacts,
  };
  if (new Set(Object.values(typedTopics)).size !== 3)
    throw new AnalyticsStreamConfigError(
      'ANALYTICS_CALLS_TOPIC',
      'the calls, messages and contacts topics must be three different topics',
    );
  const groupId = env.ANALYTICS_STREAM_GROUP_ID?.trim() || DEFAULT_GROUP_ID;
  return {
    kafka: parseKafkaSettings(env),
    schemaRegistryUrl: parseSchemaRegistryUrl(env),
    rawTopic: raw.topic,
    rawTopicPartitions: raw.partitions,
    rawTopicReplicationFactor: raw.replicationFactor,
    rawTopicMinInsyncReplicas: raw.minInsyncReplicas,
    typedTopics,
    typedTopicPartitions: readInt(env, 'ANALYTICS_TOPIC_PARTITIONS', raw.partitions, 1, 1000),
    typedTopicReplicationFactor,
    typedTopicMinInsyncReplicas,
    groupId,
    transactionalIdPrefix: env.ANALYTICS_STREAM_TRANSACTIONAL_ID_PREFIX?.trim() || groupId,
    port: readInt(env, 'ANALYTICS_STREAM_PORT', DEFAULT_ANALYTICS_STREAM_PORT, 0, 65535),
    host: env.ANALYTICS_STREAM_HOST?.trim() || '0.0.0.0',
    // The broker's smallest allowed session: a restarted process gets its partitions back soon.
    sessionTimeoutMs: readInt(env, 'ANALYTICS_STREAM_SESSION_TIMEOUT_MS', 6_000, 6_000, 300_000),
    transactionTimeoutMs: readInt(env, 'ANALYTICS_STREAM_TRANSACTION_TIMEOUT_MS', 60_000, 1_000, 900_000),
    shutdownTimeoutMs: readInt(env, 'ANALYTICS_STREAM_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
    bodyLimitBytes: readInt(env, 'GATEWAY_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, 1, 64 * 1024 * 1024),
    commitDelayMs: readInt(env, 'ANALYTICS_STREAM_COMMIT_DELAY_MS', 0, 0, 60_000),
  };
}
