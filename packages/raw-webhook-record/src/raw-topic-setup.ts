import kafkajs, { type Admin, type Kafka } from 'kafkajs';

// kafkajs is CommonJS: this enum is reachable through its default export only (under Node's ESM).
const { ConfigResourceTypes } = kafkajs;

/**
 * The raw topic is the immutable log every read model is rebuilt from, so it keeps everything:
 * no time or size limit (the broker default would delete records after 7 days).
 */
export const RAW_TOPIC_RETENTION = { 'retention.ms': '-1', 'retention.bytes': '-1' } as const;

/** The gateway's default body limit (GATEWAY_BODY_LIMIT_BYTES): 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * What a raw record adds to the body it carries, with room to spare. At most, with every field at
 * its longest (raw-record-size.test.ts measures it with avsc's and kafkajs's own encoders): the
 * Confluent framing (5 bytes); the Avro envelope's other fields (webhook id of 256 characters,
 * source of 63, topic of MAX_RECORDED_TOPIC_LENGTH characters, two longs, length prefixes); the
 * same metadata again as Kafka headers (webhook-id, webhook-timestamp, received-at, source,
 * topic); the record key (MAX_RECORD_KEY_LENGTH characters); the record's framing and the record
 * batch's 61 bytes. That is 3,853 bytes even at 3 UTF-8 bytes per character (the gateway's
 * webhook ids take at most 2, its sources 1), and the same for every body limit from 1 MiB to
 * 128 MiB (the length prefixes are 4 bytes wide throughout); 16 KiB, four times as much, leaves a
 * margin for what is not ours to control, such as a header a later version adds.
 */
export const RAW_RECORD_OVERHEAD_BYTES = 16 * 1024;

/** The longest envelope topic the gateway records (as field and header); longer ones are recorded as none. */
export const MAX_RECORDED_TOPIC_LENGTH = 200;

/** The longest record key the gateway writes; a longer entity key is replaced by its SHA-256. */
export const MAX_RECORD_KEY_LENGTH = 256;

/** The raw topic's `max.message.bytes` for a body limit: the largest accepted body must fit. */
export function rawTopicMaxMessageBytes(bodyLimitBytes: number): number {
  return bodyLimitBytes + RAW_RECORD_OVERHEAD_BYTES;
}

/** An existing raw topic that cannot hold the largest body the gateway accepts. */
export class RawTopicTooSmallError extends Error {
  constructor(
    readonly topic: string,
    readonly maxMessageBytes: number,
    readonly bodyLimitBytes: number,
    readonly required: number,
  ) {
    super(
      `raw topic ${topic} has max.message.bytes=${maxMessageBytes}, but the gateway accepts bodies up to ` +
        `GATEWAY_BODY_LIMIT_BYTES=${bodyLimitBytes} and needs ${required} per record: raise the topic's max.message.bytes to ` +
        `${required} (kafka-configs --alter --entity-type topics --entity-name ${topic} --add-config ` +
        `max.message.bytes=${required}), or lower GATEWAY_BODY_LIMIT_BYTES`,
    );
    this.name = 'RawTopicTooSmallError';
  }
}

/** What ensureRawTopic found: whether it created the topic, and what an operator should know. */
export interface RawTopicReport {
  readonly created: boolean;
  /** The topic's max.message.bytes as the broker applies it: no record batch may be larger. */
  readonly maxMessageBytes: number;
  /**
   * One line per retention setting that lets Kafka delete raw records, and for a replication
   * factor or min.insync.replicas below the configured one (empty when none).
   */
  readonly warnings: string[];
}

export interface RawTopicOptions {
  readonly numPartitions: number;
  /** The largest body to store (the gateway's limit); sets and checks max.message.bytes. */
  readonly bodyLimitBytes: number;
  /** Refuse an existing topic too small for bodyLimitBytes (the gateway, which writes it). */
  readonly requireCapacity?: boolean;
  /** Copies of each partition when the topic is created (RAW_TOPIC_REPLICATION_FACTOR); default 1. */
  readonly replicationFactor?: number;
  /** The topic's min.insync.replicas when created (RAW_TOPIC_MIN_INSYNC_REPLICAS); the broker's default when absent. */
  readonly minInsyncReplicas?: number;
}

/**
 * Creates `topic` with unlimited retention, room for the largest accepted body, and the
 * configured replication factor and min.insync.replicas when absent (the broker never
 * auto-creates it); when several services race, the losers find it created. An existing topic
 * whose retention is finite, or whose replication is below the configured one, is kept as it is
 * with a warning naming the setting (changing it is a partition reassignment, an operator's
 * decision); one too small for bodyLimitBytes is a RawTopicTooSmallError when requireCapacity.
 * Resolves once the topic is listed.
 */
export async function ensureRawTopic(
  kafka: Kafka,
  topic: string,
  options: RawTopicOptions,
): Promise<RawTopicReport> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const required = rawTopicMaxMessageBytes(options.bodyLimitBytes);
    const created = await createIfAbsent(admin, topic, options, required);
    const configs = await topicConfigs(admin, topic);
    const current = Number(configs.get('max.message.bytes'));
    const maxMessageBytes = Number.isInteger(current) && current > 0 ? current : required;
    if (options.requireCapacity && maxMessageBytes < required)
      throw new RawTopicTooSmallError(topic, maxMessageBytes, options.bodyLimitBytes, required);
    const replication = created
      ? []
      : replicationWarnings(topic, options, await replicationFactorOf(admin, topic), configs);
    return { created, maxMessageBytes, warnings: [...retentionWarnings(topic, configs), ...replication] };
  } finally {
    await admin.disconnect();
  }
}

async function createIfAbsent(
  admin: Admin,
  topic: string,
  options: RawTopicOptions,
  maxMessageBytes: number,
): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    if ((await admin.listTopics()).includes(topic)) return false;
    try {
      const settings: Record<string, string> = {
        ...RAW_TOPIC_RETENTION,
        'max.message.bytes': String(maxMessageBytes),
      };
      if (options.minInsyncReplicas !== undefined)
        settings['min.insync.replicas'] = String(options.minInsyncReplicas);
      const configEntries = Object.entries(settings).map(([name, value]) => ({ name, value }));
      return await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: options.numPartitions,
            replicationFactor: options.replicationFactor ?? 1,
            configEntries,
          },
        ],
      });
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)));
    }
  }
}

/** Kafka's default max.message.bytes (1 MiB + 12), for a topic whose setting cannot be read. */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Fetch sizes for a consumer of `topic`: every partition of a fetch must be able to carry its
 * largest record (the broker returns an oversized batch only for the first partition of a fetch;
 * kafkajs drops a truncated one), so they follow the topic's max.message.bytes.
 */
export async function rawTopicFetchSizes(
  admin: Admin,
  topic: string,
): Promise<{ maxBytesPerPartition: number; maxBytes: number }> {
  const current = Number((await topicConfigs(admin, topic)).get('max.message.bytes'));
  const maxMessageBytes =
    Number.isInteger(current) && current > 0 ? current : KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  return {
    maxBytesPerPartition: Math.max(1024 * 1024, maxMessageBytes),
    maxBytes: Math.max(10 * 1024 * 1024, maxMessageBytes),
  };
}

/**
 * The topic's retention and size settings. A topic another service has just created is listed
 * before the broker answers for it ("This server does not host this topic-partition", seen on
 * every cold `npm start`): that is retried for up to about 10 s.
 */
async function topicConfigs(admin: Admin, topic: string): Promise<Map<string, string>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await describeTopicConfigs(admin, topic);
    } catch (error) {
      const unknown = (error as { type?: unknown }).type === 'UNKNOWN_TOPIC_OR_PARTITION';
      if (!unknown || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * attempt)));
    }
  }
}

async function describeTopicConfigs(admin: Admin, topic: string): Promise<Map<string, string>> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configNames: [...Object.keys(RAW_TOPIC_RETENTION), 'max.message.bytes', 'min.insync.replicas'],
      },
    ],
  });
  return new Map((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
}

/** Warnings for each retention setting of `topic` that is not unlimited. */
function retentionWarnings(topic: string, configs: ReadonlyMap<string, string>): string[] {
  return Object.keys(RAW_TOPIC_RETENTION)
    .filter((name) => configs.has(name) && configs.get(name) !== '-1')
    .map(
      (name) =>
        `raw topic ${topic} has ${name}=${configs.get(name)}: Kafka deletes older webhooks from the ` +
        'log, and a rebuild after that lacks them. To keep everything, set retention.ms=-1 and ' +
        'retention.bytes=-1 on the topic (see README, "Retention").',
    );
}

/** The smallest replica count among the topic's partitions (what a lost broker leaves matters). */
async function replicationFactorOf(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const counts = (topics[0]?.partitions ?? []).map((p) => p.replicas.length);
  return counts.length > 0 ? Math.min(...counts) : 0;
}

/** Warnings for an existing topic replicated less, or acknowledging with fewer copies, than configured. */
export function replicationWarnings(
  topic: string,
  options: Pick<RawTopicOptions, 'replicationFactor' | 'minInsyncReplicas'>,
  replicationFactor: number,
  configs: ReadonlyMap<string, string>,
): string[] {
  const warnings: string[] = [];
  const wanted = options.replicationFactor ?? 1;
  if (replicationFactor > 0 && replicationFactor < wanted)
    warnings.push(
      `topic ${topic} exists with replication factor ${replicationFactor}, below the configured ${wanted} ` +
        '(RAW_TOPIC_REPLICATION_FACTOR): it is kept as it is, so losing a broker may lose acknowledged ' +
        'webhooks; raise it with a partition reassignment (kafka-reassign-partitions).',
    );
  const minInsync = Number(configs.get('min.insync.replicas'));
  if (
    options.minInsyncReplicas !== undefined &&
    Number.isInteger(minInsync) &&
    minInsync < options.minInsyncReplicas
  )
    warnings.push(
      `topic ${topic} has min.insync.replicas=${minInsync}, below the configured ${options.minInsyncReplicas} ` +
        `(RAW_TOPIC_MIN_INSYNC_REPLICAS): raise it with kafka-configs --alter --entity-type topics --entity-name ${topic} ` +
        `--add-config min.insync.replicas=${options.minInsyncReplicas}.`,
    );
  return warnings;
}
