import { afterAll, describe, expect, it } from '@jest/globals';
import kafkajs from 'kafkajs';
import { testKafka, uniqueName } from '@allo-pipeline/testing';
import { ensureRawTopic } from './raw-topic-setup.js';

const { ConfigResourceTypes } = kafkajs;
// DescribeConfigs' source for a value set on the topic itself (kafkajs ConfigSource.TOPIC_CONFIG).
const TOPIC_CONFIG = 1;
const kafka = testKafka('raw-topic-setup-test');
const topics: string[] = [];
const topicName = (prefix: string): string => {
  const name = uniqueName(prefix).replace(/_/g, '.');
  topics.push(name);
  return name;
};

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

/** min.insync.replicas as the broker reports it, and whether the topic itself sets it (rather than the broker). */
async function minInsync(topic: string): Promise<{ value: string | undefined; topicSetting: boolean }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
    });
    const entry = resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas');
    return { value: entry?.configValue, topicSetting: Number(entry?.configSource) === TOPIC_CONFIG };
  } finally {
    await admin.disconnect();
  }
}

describe('ensureRawTopic replication (one broker)', () => {
  it('creates the topic with the configured replication factor and min.insync.replicas as a topic setting', async () => {
    const topic = topicName('rf_raw');
    const report = await ensureRawTopic(kafka, topic, {
      numPartitions: 2,
      bodyLimitBytes: 1024 * 1024,
      replicationFactor: 1,
      minInsyncReplicas: 1,
    });
    expect(report.created).toBe(true);
    // Set on the topic, not inherited from the broker (whose default is also 1 here).
    expect(await minInsync(topic)).toEqual({ value: '1', topicSetting: true });
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).finally(() => admin.disconnect());
    expect(metadata.topics[0]?.partitions.map((p) => p.replicas.length)).toEqual([1, 1]);
  });

  it('keeps an existing topic replicated less than configured, with a warning saying so', async () => {
    const topic = topicName('rf_low');
    await ensureRawTopic(kafka, topic, { numPartitions: 1, bodyLimitBytes: 1024 * 1024 });
    expect((await minInsync(topic)).topicSetting).toBe(false);
    const report = await ensureRawTopic(kafka, topic, {
      numPartitions: 1,
      bodyLimitBytes: 1024 * 1024,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
    expect(report.created).toBe(false);
    expect(report.warnings).toEqual([
      expect.stringContaining('replication factor 1, below the configured 3 (RAW_TOPIC_REPLICATION_FACTOR)'),
      expect.stringContaining('min.insync.replicas=1, below the configured 2'),
    ]);
  });
});
