import { describe, expect, it } from '@jest/globals';
import { AnalyticsStreamConfigError, parseAnalyticsStreamConfig } from './config.js';

const base = {
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
  SCHEMA_REGISTRY_URL: 'http://r/apis/ccompat/v7',
};

describe('parseAnalyticsStreamConfig', () => {
  it('defaults to the documented topics, group, port and one transactional prefix per group', () => {
    const config = parseAnalyticsStreamConfig(base);
    expect(config).toMatchObject({
      kafka: { brokers: ['127.0.0.1:19092', '127.0.0.1:19093'], ssl: false },
      rawTopic: 'allo.webhooks.raw',
      rawTopicReplicationFactor: 1,
      typedTopicReplicationFactor: 1,
      typedTopicMinInsyncReplicas: 1,
      typedTopics: { calls: 'allo.calls.v1', messages: 'allo.messages.v1', contacts: 'allo.contacts.v1' },
      typedTopicPartitions: 6,
      groupId: 'allo-analytics-stream',
      transactionalIdPrefix: 'allo-analytics-stream',
      port: 8104,
    });
  });

  it("gives the typed topics the raw topic's replication unless ANALYTICS_TOPIC_REPLICATION_FACTOR says otherwise", () => {
    expect(parseAnalyticsStreamConfig({ ...base, RAW_TOPIC_REPLICATION_FACTOR: '3' })).toMatchObject({
      rawTopicReplicationFactor: 3,
      rawTopicMinInsyncReplicas: 2,
      typedTopicReplicationFactor: 3,
      typedTopicMinInsyncReplicas: 2,
    });
    expect(
      parseAnalyticsStreamConfig({
        ...base,
        RAW_TOPIC_REPLICATION_FACTOR: '3',
        ANALYTICS_TOPIC_REPLICATION_FACTOR: '1',
      }),
    ).toMatchObject({ typedTopicReplicationFactor: 1, typedTopicMinInsyncReplicas: 1 });
    expect(() =>
      parseAnalyticsStreamConfig({
        ...base,
        ANALYTICS_TOPIC_REPLICATION_FACTOR: '2',
        ANALYTICS_TOPIC_MIN_INSYNC_REPLICAS: '3',
      }),
    ).toThrow(AnalyticsStreamConfigError);
    expect(() => parseAnalyticsStreamConfig({ ...base, ANALYTICS_TOPIC_REPLICATION_FACTOR: '0' })).toThrow(
      'ANALYTICS_TOPIC_REPLICATION_FACTOR',
    );
  });

  it('follows the group id for the transactional prefix and RAW_TOPIC_PARTITIONS for typed topics', () => {
    const config = parseAnalyticsStreamConfig({
      ...base,
      ANALYTICS_STREAM_GROUP_ID: 'g2',
      RAW_TOPIC_PARTITIONS: '3',
    });
    expect(config).toMatchObject({ groupId: 'g2', transactionalIdPrefix: 'g2', typedTopicPartitions: 3 });
  });

  it.each([
    [{ KAFKA_BROKERS: '' }, 'KAFKA_BROKERS: not set'],
    [{ SCHEMA_REGISTRY_URL: undefined }, 'SCHEMA_REGISTRY_URL: not set'],
    [
      { ANALYTICS_STREAM_PORT: '80x' },
      'ANALYTICS_STREAM_PORT: expected an integer between 0 and 65535, got "80x"',
    ],
    [
      { ANALYTICS_STREAM_SESSION_TIMEOUT_MS: '1000' },
      'ANALYTICS_STREAM_SESSION_TIMEOUT_MS: expected an integer',
    ],
    [
      { ANALYTICS_MESSAGES_TOPIC: 'allo.calls.v1' },
      'ANALYTICS_CALLS_TOPIC: the calls, messages and contacts topics',
    ],
  ])('names the variable of a bad value: %j', (overrides, message) => {
    const parse = () => parseAnalyticsStreamConfig({ ...base, ...overrides });
    expect(parse).toThrow(AnalyticsStreamConfigError);
    expect(parse).toThrow(message);
  });
});
