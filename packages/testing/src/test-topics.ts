import { Kafka, logLevel } from 'kafkajs';
import { readStackEnv } from './stack-env.js';
import { uniqueName } from './unique-name.js';

export interface TestTopics {
  /** Topic names, in the order of the requested prefixes, each unique to this test file. */
  readonly names: string[];
  readonly kafka: Kafka;
  /** Deletes the topics; call it in afterAll. */
  drop(): Promise<void>;
}

/**
 * Creates fresh topics on the stack's Kafka (with topic-level `config`, e.g. the raw topic's
 * max.message.bytes) and waits until each partition has a leader.
 */
export async function createTestTopics(
  prefixes: string[],
  numPartitions = 1,
  config: Readonly<Record<string, string>> = {},
): Promise<TestTopics> {
  const kafka = testKafka();
  const names = prefixes.map((prefix) => uniqueName(prefix).replace(/_/g, '.'));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({
        topic,
        numPartitions,
        replicationFactor: 1,
        configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
      })),
    });
  } finally {
    await admin.disconnect();
  }
  return {
    names,
    kafka,
    async drop() {
      const cleanup = kafka.admin();
      await cleanup.connect();
      try {
        await cleanup.deleteTopics({ topics: names });
      } finally {
        await cleanup.disconnect();
      }
    },
  };
}

/** A kafkajs client for the stack's broker, quiet unless something is wrong. */
export function testKafka(clientId = 'allo-pipeline-test'): Kafka {
  const { KAFKA_BROKERS } = readStackEnv();
  return new Kafka({ clientId, brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.ERROR });
}
