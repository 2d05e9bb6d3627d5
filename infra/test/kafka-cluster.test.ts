import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readStackConfig, StackConfigError, stackEndpoints, stackTopicEnv } from '../src/index.js';
import {
  chooseBrokerCount,
  kafkaNodes,
  parseBrokerCount,
  quorumVoters,
  recordBrokerCount,
  recordedBrokerCount,
} from '../src/kafka-cluster.js';
import { kafkaServerProperties } from '../src/kafka-service.js';

function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('Kafka node layout', () => {
  it('keeps a single broker on KAFKA_PORT and KAFKA_CONTROLLER_PORT as node 1', () => {
    expect(kafkaNodes(1, { KAFKA_PORT: 19092, KAFKA_CONTROLLER_PORT: 19093 })).toEqual([
      { nodeId: 1, port: 19092, controllerPort: 19093 },
    ]);
  });

  it('interleaves three nodes two ports apart from the defaults', () => {
    const nodes = kafkaNodes(3, { KAFKA_PORT: 19092, KAFKA_CONTROLLER_PORT: 19093 });

    expect(nodes).toEqual([
      { nodeId: 1, port: 19092, controllerPort: 19093 },
      { nodeId: 2, port: 19094, controllerPort: 19095 },
      { nodeId: 3, port: 19096, controllerPort: 19097 },
    ]);
    expect(quorumVoters(nodes)).toBe('1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097');
  });

  it('refuses a cluster whose derived ports collide or leave the TCP range, naming the variables', () => {
    expect(() => kafkaNodes(3, { KAFKA_PORT: 19092, KAFKA_CONTROLLER_PORT: 19094 })).toThrow(
      /broker port of node 2 \(KAFKA_PORT\+2\) would be 19094, already taken by controller port of node 1/,
    );
    expect(() =>
      kafkaNodes(3, { KAFKA_PORT: 19092, KAFKA_CONTROLLER_PORT: 19093 }, [
        { envVar: 'SCHEMA_REGISTRY_PORT', port: 19096 },
      ]),
    ).toThrow(/would be 19096, already taken by SCHEMA_REGISTRY_PORT/);
    expect(kafkaNodes(3, { KAFKA_PORT: 65530, KAFKA_CONTROLLER_PORT: 65531 })[2]).toEqual({
      nodeId: 3,
      port: 65534,
      controllerPort: 65535,
    });
    expect(() => kafkaNodes(3, { KAFKA_PORT: 65532, KAFKA_CONTROLLER_PORT: 65533 })).toThrow(
      'broker port of node 3 (KAFKA_PORT+4) would be 65536, above 65535',
    );
  });

  it('accepts only the broker counts the stack runs', () => {
    expect(parseBrokerCount('3', '--brokers')).toBe(3);
    expect(parseBrokerCount('1', '--brokers')).toBe(1);
    for (const raw of ['2', '0', '', 'three', '3.5', '5']) {
      expect(() => parseBrokerCount(raw, '--brokers')).toThrow(StackConfigError);
    }
    expect(() => parseBrokerCount('2', '--brokers')).toThrow('--brokers=2 is not a broker count');
  });
});

describe('kafkaServerProperties', () => {
  it('is unchanged for one broker: replication 1, no cluster-wide replication defaults', () => {
    const single = properties(kafkaServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/d' }));

    expect(single.get('node.id')).toBe('1');
    expect(single.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(single.get('offsets.topic.replication.factor')).toBe('1');
    expect(single.get('transaction.state.log.replication.factor')).toBe('1');
    expect(single.get('transaction.state.log.min.isr')).toBe('1');
    expect(single.has('default.replication.factor')).toBe(false);
    expect(single.has('min.insync.replicas')).toBe(false);
    expect(single.has('broker.session.timeout.ms')).toBe(false);
  });

  it('replicates everything three times, writable with one broker down, on a 3-node cluster', () => {
    const nodes = kafkaNodes(3, { KAFKA_PORT: 19092, KAFKA_CONTROLLER_PORT: 19093 });
    const node2 = properties(
      kafkaServerProperties({
        port: 19094,
        controllerPort: 19095,
        dataDir: '/d2',
        nodeId: 2,
        quorumVoters: quorumVoters(nodes),
        brokers: 3,
      }),
    );

    expect(Object.fromEntries(node2)).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '2',
      'controller.quorum.voters': '1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097',
      listeners: 'PLAINTEXT://127.0.0.1:19094,CONTROLLER://127.0.0.1:19095',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19094',
      'log.dirs': '/d2',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'share.coordinator.state.topic.replication.factor': '3',
      'share.coordinator.state.topic.min.isr': '2',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
    });
    expect(Number(node2.get('broker.session.timeout.ms'))).toBeLessThan(9_000);
  });
});

describe('the broker count kept in the state folder', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'kafka-cluster-test-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const kafkaHome = (): string => join(stateDir, 'kafka');
  const env = { KAFKA_PORT: '29092', KAFKA_CONTROLLER_PORT: '29093' };

  it('is 1 on a new folder, or what is asked for', () => {
    expect(recordedBrokerCount(kafkaHome())).toBeUndefined();
    expect(readStackConfig({ stateDir, env }).kafkaBrokers).toBe(1);
    expect(readStackConfig({ stateDir, env, brokers: 3 }).kafkaBrokers).toBe(3);
  });

  it('is 1 for a single-broker log formatted before the count was recorded', () => {
    mkdirSync(join(kafkaHome(), 'data'), { recursive: true });
    writeFileSync(join(kafkaHome(), 'data', 'meta.properties'), 'node.id=1\n');

    expect(recordedBrokerCount(kafkaHome())).toBe(1);
    expect(() => readStackConfig({ stateDir, env, brokers: 3 })).toThrow(StackConfigError);
  });

  it('is what the data was made for without --brokers, and another count is a clear error', () => {
    recordBrokerCount(kafkaHome(), 3);
    const config = readStackConfig({ stateDir, env });

    expect(config.kafkaBrokers).toBe(3);
    expect(stackEndpoints(config).kafkaBrokers).toBe('127.0.0.1:29092,127.0.0.1:29094,127.0.0.1:29096');
    expect(readStackConfig({ stateDir, env, brokers: 3 }).kafkaBrokers).toBe(3);
    expect(() => readStackConfig({ stateDir, env, brokers: 1 })).toThrow(
      /holds the log of a 3-broker Kafka; --brokers 1 cannot run on it.*reset kafka/,
    );
  });

  it('names the file when the record is not readable', () => {
    mkdirSync(kafkaHome(), { recursive: true });
    writeFileSync(join(kafkaHome(), 'brokers.json'), '{"brokers": 2}');
    expect(() => recordedBrokerCount(kafkaHome())).toThrow(/brokers in .*brokers\.json=2/);
    writeFileSync(join(kafkaHome(), 'brokers.json'), 'not json');
    expect(() => recordedBrokerCount(kafkaHome())).toThrow(/brokers\.json is not readable JSON/);
  });

  it('chooses the asked count, else the recorded one, else 1', () => {
    expect(chooseBrokerCount(undefined, undefined, '/s')).toBe(1);
    expect(chooseBrokerCount(3, undefined, '/s')).toBe(3);
    expect(chooseBrokerCount(undefined, 3, '/s')).toBe(3);
    expect(() => chooseBrokerCount(3, 1, '/s')).toThrow(StackConfigError);
  });
});

describe('stackTopicEnv', () => {
  it('gives services RAW_TOPIC_REPLICATION_FACTOR=3 on a cluster unless the user set one', () => {
    const stateDir = '/nonexistent/state';
    const one = readStackConfig({ stateDir, env: {} });
    const three = readStackConfig({ stateDir, env: {}, brokers: 3 });

    expect(stackTopicEnv(one, {})).toEqual({});
    expect(stackTopicEnv(three, {})).toEqual({ RAW_TOPIC_REPLICATION_FACTOR: '3' });
    expect(stackTopicEnv(three, { RAW_TOPIC_REPLICATION_FACTOR: '2' })).toEqual({});
  });
});
