import { describe, expect, it } from '@jest/globals';
import { computePartitionStatus } from './projection-status.js';
import { parseProjectorConfig, ProjectorConfigError } from './projector-config.js';
import { parseOffsetStart } from './position-rules.js';

const env = {
  KAFKA_BROKERS: 'a:9092, b:9092',
  SCHEMA_REGISTRY_URL: 'http://r',
  DATABASE_URL: 'postgres://d',
};

describe('parseProjectorConfig', () => {
  it('applies defaults per projection', () => {
    expect(parseProjectorConfig(env, 'messages')).toMatchObject({
      kafka: { brokers: ['a:9092', 'b:9092'], ssl: false },
      rawTopic: 'allo.webhooks.raw',
      rawTopicPartitions: 6,
      rawTopicReplicationFactor: 1,
      rawTopicMinInsyncReplicas: 1,
      port: 8102,
      groupId: 'allo-projector-messages',
      sessionTimeoutMs: 6_000,
      stuckAfterMs: 30_000,
      partitionsConcurrently: 6,
    });
    expect(
      parseProjectorConfig({ ...env, PROJECTOR_PARTITIONS_CONCURRENTLY: '1' }, 'calls')
        .partitionsConcurrently,
    ).toBe(1);
    expect(parseProjectorConfig({ ...env, PROJECTOR_CONTACTS_PORT: '9000' }, 'contacts').port).toBe(9000);
  });

  it('names the missing or bad variable', () => {
    expect(() => parseProjectorConfig({ ...env, DATABASE_URL: '' }, 'calls')).toThrow(
      'DATABASE_URL: not set',
    );
    expect(() => parseProjectorConfig({ ...env, PROJECTOR_CALLS_PORT: 'x' }, 'calls')).toThrow(
      ProjectorConfigError,
    );
    expect(() => parseProjectorConfig({ ...env, RAW_TOPIC_PARTITIONS: '0' }, 'calls')).toThrow(
      /RAW_TOPIC_PARTITIONS/,
    );
    // Below the broker's group.min.session.timeout.ms the group would refuse the member.
    expect(() => parseProjectorConfig({ ...env, PROJECTOR_SESSION_TIMEOUT_MS: '5000' }, 'calls')).toThrow(
      /PROJECTOR_SESSION_TIMEOUT_MS/,
    );
    expect(() => parseProjectorConfig({ ...env, PROJECTOR_STUCK_AFTER_MS: '10' }, 'calls')).toThrow(
      /PROJECTOR_STUCK_AFTER_MS/,
    );
    expect(() => parseProjectorConfig({ ...env, PROJECTOR_PARTITIONS_CONCURRENTLY: '0' }, 'calls')).toThrow(
      /PROJECTOR_PARTITIONS_CONCURRENTLY/,
    );
  });
});

describe('parseOffsetStart', () => {
  it('accepts earliest, latest and ISO times only', () => {
    expect(parseOffsetStart('earliest')).toEqual({ kind: 'earliest' });
    expect(parseOffsetStart('2026-02-03T09:00:00Z')).toEqual({
      kind: 'timestamp',
      at: new Date('2026-02-03T09:00:00Z'),
    });
    expect(parseOffsetStart('yesterday')).toBeUndefined();
    expect(parseOffsetStart('2026-13-45')).toBeUndefined();
  });
});

describe('computePartitionStatus', () => {
  it('measures lag from the stored offset, or from the log start when none is stored', () => {
    const at = new Date(0);
    const status = computePartitionStatus(
      new Map([[1, { partition: 1, nextOffset: '40', lastEventAt: at, clusterId: null, anchor: null }]]),
      new Map([
        [1, { low: '0', high: '50' }],
        [0, { low: '5', high: '8' }],
      ]),
    );
    expect(status).toEqual([
      { partition: 0, nextOffset: null, low: '5', high: '8', lag: 3, lastEventAt: null },
      { partition: 1, nextOffset: '40', low: '0', high: '50', lag: 10, lastEventAt: at },
    ]);
  });
});
