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
      kafkaBrokers: ['127.0.0.1:19092', '127.0.0.1:19093'],
      rawTopic: 'allo.webhooks.raw',
      typedTopics: { calls: 'allo.calls.v1', messages: 'allo.messages.v1', contacts: 'allo.contacts.v1' },
      typedTopicPartitions: 6,
      groupId: 'allo-analytics-stream',
      transactionalIdPrefix: 'allo-analytics-stream',
      port: 8104,
    });
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
