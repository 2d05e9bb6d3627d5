import kafkajs, { logLevel, type Admin, type Kafka, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

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
 * What a raw record adds to the body it carries, at most: the Confluent framing (5 bytes); the
 * Avro envelope's other fields (webhook id up to 256 characters, 3 bytes each in UTF-8; two longs;
 * the source, up to 63; the topic, up to MAX_RECORDED_TOPIC_LENGTH; length prefixes); the same
 * metadata again as Kafka headers; the record key (up to MAX_RECORD_KEY_LENGTH); and the record
 * batch's own framing (61 bytes) and the record's (about 20). That is under 3 KiB; 16 KiB leaves
 * room for whatever a Kafka version adds.
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
    readonly required: number,
  ) {
    super(
      `raw topic ${topic} has max.message.bytes=${maxMessageBytes}, but the gateway accepts bodies up to ` +
        `GATEWAY_BODY_LIMIT_BYTES and needs ${required} per record: raise the topic's max.message.bytes to ` +
        `${required} (kafka-configs --alter --entity-type topics --entity-name ${topic} --add-config ` +
        `max.message.bytes=${required}), or lower GATEWAY_BODY_LIMIT_BYTES`,
    );
    this.name = 'RawTopicTooSmallError';
  }
}

/** What ensureRawTopic found: whether it created the topic, and what an operator should know. */
export interface RawTopicReport {
  readonly created: boolean;
  /** One line per retention setting that lets Kafka delete raw records (empty when none). */
  readonly warnings: string[];
}

export interface RawTopicOptions {
  readonly numPartitions: number;
  /** The largest body to store (the gateway's limit); sets and checks max.message.bytes. */
  readonly bodyLimitBytes: number;
  /** Refuse an existing topic too small for bodyLimitBytes (the gateway, which writes it). */
  readonly requireCapacity?: boolean;
}

/**
 * Creates `topic` with unlimited retention and room for the largest accepted body when absent
 * (the broker never auto-creates it); when several services race, the losers find it created.
 * An existing topic whose retention is finite is kept as it is, with a warning naming the
 * setting; one too small for bodyLimitBytes is a RawTopicTooSmallError when requireCapacity.
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
    const created = await createIfAbsent(admin, topic, options.numPartitions, required);
    const configs = await topicConfigs(admin, topic);
    const current = Number(configs.get('max.message.bytes'));
    if (options.requireCapacity && Number.isFinite(current) && current < required)
      throw new RawTopicTooSmallError(topic, current, required);
    return { created, warnings: retentionWarnings(topic, configs) };
  } finally {
    await admin.disconnect();
  }
}

async function createIfAbsent(
  admin: Admin,
  topic: string,
  numPartitions: number,
  maxMessageBytes: number,
): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    if ((await admin.listTopics()).includes(topic)) return false;
    try {
      const settings = { ...RAW_TOPIC_RETENTION, 'max.message.bytes': String(maxMessageBytes) };
      const configEntries = Object.entries(settings).map(([name, value]) => ({ name, value }));
      return await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }],
      });
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)));
    }
  }
}

async function topicConfigs(admin: Admin, topic: string): Promise<Map<string, string>> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configNames: [...Object.keys(RAW_TOPIC_RETENTION), 'max.message.bytes'],
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

/** Routes kafkajs logs into pino (errors and warnings as such, the rest at debug). */
export function kafkaLogToPino(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const target = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'debug';
      logger[target]({ kafka: extra }, message);
    };
}
