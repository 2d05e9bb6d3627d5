import { describe, expect, it } from '@jest/globals';
import { CliEnvError, readCliEnv, type LocalStack } from './cli-env.js';

const local: LocalStack = {
  stateDir: '/var/tmp/stack',
  kafkaBrokers: '127.0.0.1:19092',
  schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
  databaseUrl: 'postgres://postgres:x@127.0.0.1:15432/postgres',
};

describe('readCliEnv', () => {
  it('takes what the environment gives', () => {
    const env = readCliEnv(
      { DATABASE_URL: 'postgres://db/x', KAFKA_BROKERS: 'a:1, b:2', SCHEMA_REGISTRY_URL: 'http://r' },
      () => local,
    );
    expect(env.databaseUrl).toBe('postgres://db/x');
    expect(env.kafkaBrokers()).toEqual(['a:1', 'b:2']);
    expect(env.schemaRegistryUrl()).toBe('http://r');
    expect(env.rawTopic).toBe('allo.webhooks.raw');
  });

  it('falls back to the local stack for what is unset, so status works beside npm start', () => {
    const env = readCliEnv({ KAFKA_BROKERS: 'other:9092' }, () => local);
    expect(env.databaseUrl).toBe(local.databaseUrl);
    expect(env.kafkaBrokers()).toEqual(['other:9092']);
    expect(env.schemaRegistryUrl()).toBe(local.schemaRegistryUrl);
    expect(env.stateDir).toBe('/var/tmp/stack');
  });

  it('names the missing variable when there is no local stack to fall back to', () => {
    expect(() => readCliEnv({})).toThrow(CliEnvError);
    expect(() => readCliEnv({})).toThrow('DATABASE_URL is not set');
    expect(() => readCliEnv({ DATABASE_URL: 'postgres://db/x' }).kafkaBrokers()).toThrow(
      'KAFKA_BROKERS is not set',
    );
  });

  it('reads the Kafka security settings and DATABASE_URL_FILE as the services do, errors naming the variable', () => {
    const env = readCliEnv(
      {
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      },
      () => local,
    );
    expect(env.kafka()).toMatchObject({ brokers: ['127.0.0.1:19092'], sasl: { mechanism: 'plain' } });
    const bad = readCliEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'plain' }, () => local);
    expect(() => bad.kafka()).toThrow(CliEnvError);
    expect(() => bad.kafka()).toThrow('KAFKA_SASL_USERNAME');
    expect(() => readCliEnv({ DATABASE_URL_FILE: '/nonexistent/url' }, () => local)).toThrow(
      'DATABASE_URL_FILE',
    );
  });
});
