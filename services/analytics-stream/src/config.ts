import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_RAW_TOPIC } from '@allo-pipeline/raw-webhook-record';

/** A configuration problem found at start-up; the message names the variable. */
export class AnalyticsStreamConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
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
  readonly kafkaBrokers: string[];
  readonly schemaRegistryUrl: string;
  readonly rawTopic: string;
  readonly rawTopicPartitions: number;
  readonly typedTopics: TypedTopics;
  /** Partitions of a typed topic this service creates (existing topics are kept as they are). */
  readonly typedTopicPartitions: number;
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
  const rawTopicPartitions = readInt(env, 'RAW_TOPIC_PARTITIONS', 6, 1, 1000);
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
    kafkaBrokers: required(env, 'KAFKA_BROKERS')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    schemaRegistryUrl: required(env, 'SCHEMA_REGISTRY_URL'),
    rawTopic: env.RAW_TOPIC?.trim() || DEFAULT_RAW_TOPIC,
    rawTopicPartitions,
    typedTopics,
    typedTopicPartitions: readInt(env, 'ANALYTICS_TOPIC_PARTITIONS', rawTopicPartitions, 1, 1000),
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

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new AnalyticsStreamConfigError(name, 'not set');
  return value;
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AnalyticsStreamConfigError(name, `expected an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}
