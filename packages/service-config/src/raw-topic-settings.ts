import { DEFAULT_RAW_TOPIC } from '@allo-pipeline/raw-webhook-record';
import { ConfigError } from './config-error.js';
import { readInt, readOptional, type Env } from './env-values.js';

/** How the raw topic is named and, by whichever service starts first, created. */
export interface RawTopicSettings {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** min.insync.replicas: with acks=all (the gateway's), how many copies an acknowledgement needs. */
  readonly minInsyncReplicas: number;
}

// Kafka's replication factor is a 16-bit field.
const MAX_REPLICATION_FACTOR = 32_767;

/** RAW_TOPIC (default allo.webhooks.raw); for services that only read it. */
export function parseRawTopicName(env: Env): string {
  return readOptional(env, 'RAW_TOPIC') ?? DEFAULT_RAW_TOPIC;
}

/**
 * RAW_TOPIC, RAW_TOPIC_PARTITIONS (default 6), RAW_TOPIC_REPLICATION_FACTOR (default 1, for the
 * one-broker local stack) and RAW_TOPIC_MIN_INSYNC_REPLICAS (default 2 from a factor of 3, so
 * one broker may be down while acknowledged records still exist twice; else 1).
 */
export function parseRawTopicSettings(env: Env): RawTopicSettings {
  const replicationFactor = readInt(env, 'RAW_TOPIC_REPLICATION_FACTOR', 1, 1, MAX_REPLICATION_FACTOR);
  return {
    topic: parseRawTopicName(env),
    partitions: readInt(env, 'RAW_TOPIC_PARTITIONS', 6, 1, 1000),
    replicationFactor,
    minInsyncReplicas: readMinInsync(env, 'RAW_TOPIC_MIN_INSYNC_REPLICAS', replicationFactor),
  };
}

/** The min.insync.replicas a topic of `replicationFactor` gets when none is configured. */
export function defaultMinInsyncReplicas(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

/** A replication factor variable, e.g. ANALYTICS_TOPIC_REPLICATION_FACTOR; `fallback` when unset. */
export function readReplicationFactor(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, 1, MAX_REPLICATION_FACTOR);
}

/** A min.insync.replicas variable, at most `replicationFactor`; the default for it when unset. */
export function readMinInsync(env: Env, name: string, replicationFactor: number): number {
  const value = readInt(env, name, defaultMinInsyncReplicas(replicationFactor), 1, MAX_REPLICATION_FACTOR);
  if (value > replicationFactor)
    throw new ConfigError(
      name,
      `${value} is more than the replication factor ${replicationFactor}: no write with acks=all could succeed`,
    );
  return value;
}
