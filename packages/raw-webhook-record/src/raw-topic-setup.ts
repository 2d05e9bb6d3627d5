import kafkajs, { logLevel, type Admin, type Kafka, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

// kafkajs is CommonJS: this enum is reachable through its default export only (under Node's ESM).
const { ConfigResourceTypes } = kafkajs;

/**
 * The raw topic is the immutable log every read model is rebuilt from, so it keeps everything:
 * no time or size limit (the broker default would delete records after 7 days).
 */
export const RAW_TOPIC_RETENTION = { 'retention.ms': '-1', 'retention.bytes': '-1' } as const;

/** What ensureRawTopic found: whether it created the topic, and what an operator should know. */
export interface RawTopicReport {
  readonly created: boolean;
  /** One line per retention setting that lets Kafka delete raw records (empty when none). */
  readonly warnings: string[];
}

/**
 * Creates `topic` with `numPartitions` and unlimited retention when absent (the broker never
 * auto-creates it); when several services race, the losers find it created. An existing topic
 * whose retention is finite is kept as it is, with a warning naming the setting. Resolves once
 * the topic is listed.
 */
export async function ensureRawTopic(
  kafka: Kafka,
  topic: string,
  numPartitions: number,
): Promise<RawTopicReport> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await createIfAbsent(admin, topic, numPartitions);
    return { created, warnings: await retentionWarnings(admin, topic) };
  } finally {
    await admin.disconnect();
  }
}

async function createIfAbsent(admin: Admin, topic: string, numPartitions: number): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    if ((await admin.listTopics()).includes(topic)) return false;
    try {
      const configEntries = Object.entries(RAW_TOPIC_RETENTION).map(([name, value]) => ({ name, value }));
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

/** Warnings for each retention setting of `topic` that is not unlimited. */
export async function retentionWarnings(admin: Admin, topic: string): Promise<string[]> {
  const names = Object.keys(RAW_TOPIC_RETENTION);
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }],
  });
  const entries = resources[0]?.configEntries ?? [];
  return entries
    .filter((entry) => names.includes(entry.configName) && entry.configValue !== '-1')
    .map(
      (entry) =>
        `raw topic ${topic} has ${entry.configName}=${entry.configValue}: Kafka deletes older webhooks from the ` +
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
