import { logLevel, type Kafka, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * Creates `topic` with `numPartitions` when absent (the broker never auto-creates it); when several
 * services race, the losers find it created. Resolves once the topic is listed.
 */
export async function ensureRawTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      if ((await admin.listTopics()).includes(topic)) return;
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions, replicationFactor: 1 }],
        });
      } catch (error) {
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)));
      }
    }
  } finally {
    await admin.disconnect();
  }
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
