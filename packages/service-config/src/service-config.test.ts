import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  asServiceConfigError,
  ConfigError,
  kafkaClientConfig,
  parseDatabaseUrl,
  parseKafkaSettings,
  parseLogLevel,
  parseOptionalKafkaSettings,
  parseRawTopicSettings,
  readSecret,
  secretVariable,
  startupLogLevel,
  type Env,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'service-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, contents: string): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

function errorOf(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('readSecret', () => {
  it('takes NAME, or NAME_FILE with its trailing line break dropped', () => {
    expect(readSecret({ S: 'inline' }, 'S')).toBe('inline');
    expect(readSecret({ S_FILE: file('s1', 'from-file\n') }, 'S')).toBe('from-file');
    expect(readSecret({ S_FILE: file('s2', 'crlf\r\n\r\n') }, 'S')).toBe('crlf');
    expect(readSecret({}, 'S')).toBeUndefined();
  });

  it('refuses both at once, naming NAME', () => {
    const error = errorOf(() => readSecret({ S: 'x', S_FILE: file('s3', 'y') }, 'S'));
    expect(error.variable).toBe('S');
    expect(error.message).not.toContain('x');
  });

  it('names NAME_FILE for an unreadable or empty file, never printing its contents', () => {
    expect(errorOf(() => readSecret({ S_FILE: join(dir, 'absent') }, 'S')).message).toMatch(
      /^S_FILE: .*ENOENT/,
    );
    expect(errorOf(() => readSecret({ S_FILE: file('empty', '\n') }, 'S')).variable).toBe('S_FILE');
    if (process.getuid?.() !== 0) {
      const locked = file('locked', 'top-secret');
      chmodSync(locked, 0o000);
      const error = errorOf(() => readSecret({ S_FILE: locked }, 'S'));
      expect(error.variable).toBe('S_FILE');
      expect(error.message).not.toContain('top-secret');
    }
  });
});

describe('secretVariable', () => {
  it('names the variable the secret comes from, as readSecret reads them', () => {
    expect(secretVariable({ S: 'inline' }, 'S')).toBe('S');
    expect(secretVariable({ S_FILE: ' /run/s ' }, 'S')).toBe('S_FILE');
    expect(secretVariable({ S: '', S_FILE: '/run/s' }, 'S')).toBe('S_FILE');
    expect(secretVariable({ S: 'x', S_FILE: '/run/s' }, 'S')).toBe('S');
    expect(secretVariable({ S_FILE: '  ' }, 'S')).toBeUndefined();
    expect(secretVariable({}, 'S')).toBeUndefined();
  });
});

describe('parseKafkaSettings', () => {
  const base = { KAFKA_BROKERS: 'a:9092, b:9093,' };

  it('reads brokers, and plaintext without SASL by default', () => {
    expect(parseKafkaSettings(base)).toEqual({
      brokers: ['a:9092', 'b:9093'],
      clientId: undefined,
      ssl: false,
      sasl: undefined,
    });
    expect(parseOptionalKafkaSettings({ KAFKA_BROKERS: ' , ' })).toBeNull();
  });

  it.each<[Env, string]>([
    [{ KAFKA_BROKERS: '' }, 'KAFKA_BROKERS'],
    [{ ...base, KAFKA_SSL: 'yes' }, 'KAFKA_SSL'],
    [{ ...base, KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '/ca.pem' }, 'KAFKA_SSL_CA_FILE'],
    [{ ...base, KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }, 'KAFKA_SSL_REJECT_UNAUTHORIZED'],
    [{ ...base, KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'no' }, 'KAFKA_SSL_REJECT_UNAUTHORIZED'],
    [{ ...base, KAFKA_SSL_CERT_FILE: '/c.pem' }, 'KAFKA_SSL_KEY_FILE'],
    [{ ...base, KAFKA_SSL_KEY_FILE: '/k.pem' }, 'KAFKA_SSL_CERT_FILE'],
    [{ ...base, KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, 'KAFKA_SSL_CA_FILE'],
    [
      { ...base, KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_MECHANISM',
    ],
    [{ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME'],
    [{ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD'],
    [{ ...base, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_MECHANISM'],
    [
      {
        ...base,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: '/p',
      },
      'KAFKA_SASL_PASSWORD',
    ],
    [
      {
        ...base,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD_FILE: '/nonexistent',
      },
      'KAFKA_SASL_PASSWORD_FILE',
    ],
  ])('names the variable at fault: %j', (env, variable) => {
    const error = errorOf(() => parseKafkaSettings(env));
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toMatch(/: p\b|"p"/);
  });

  it('reads TLS files and SASL/SCRAM with the password from a file', () => {
    const settings = parseKafkaSettings({
      ...base,
      KAFKA_SSL_CA_FILE: file('ca.pem', 'CA'),
      KAFKA_SSL_CERT_FILE: file('cert.pem', 'CERT'),
      KAFKA_SSL_KEY_FILE: file('key.pem', 'KEY'),
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'allo',
      KAFKA_SASL_PASSWORD_FILE: file('sasl', 'pw\n'),
      KAFKA_CLIENT_ID: 'tenant-a',
    });
    expect(settings.ssl).toEqual({ rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' });
    expect(settings.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'allo', password: 'pw' });
    const config = kafkaClientConfig(settings, { clientId: 'allo-gateway', connectionTimeout: 1000 });
    expect(config).toMatchObject({
      clientId: 'tenant-a',
      brokers: ['a:9092', 'b:9093'],
      connectionTimeout: 1000,
    });
    expect(config.sasl).toEqual(settings.sasl);
  });

  it('uses the system CAs with KAFKA_SSL=true alone, and may skip verification when told', () => {
    expect(parseKafkaSettings({ ...base, KAFKA_SSL: 'TRUE' }).ssl).toEqual({ rejectUnauthorized: true });
    expect(
      parseKafkaSettings({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }).ssl,
    ).toEqual({ rejectUnauthorized: false });
    const plain = parseKafkaSettings({
      ...base,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(plain.sasl?.mechanism).toBe('plain');
    const config = kafkaClientConfig(parseKafkaSettings(base), { clientId: 'allo-cli' });
    expect(config.clientId).toBe('allo-cli');
    expect('ssl' in config || 'sasl' in config).toBe(false);
  });
});

describe('parseRawTopicSettings', () => {
  it('defaults to 6 partitions, replication factor 1 and min.insync 1', () => {
    expect(parseRawTopicSettings({})).toEqual({
      topic: 'allo.webhooks.raw',
      partitions: 6,
      replicationFactor: 1,
      minInsyncReplicas: 1,
    });
  });

  it.each([
    ['2', 1],
    ['3', 2],
    ['5', 2],
  ])('min.insync defaults for replication factor %s to %i', (factor, minInsync) => {
    expect(parseRawTopicSettings({ RAW_TOPIC_REPLICATION_FACTOR: factor }).minInsyncReplicas).toBe(minInsync);
  });

  it('takes an explicit min.insync up to the factor', () => {
    const env = { RAW_TOPIC_REPLICATION_FACTOR: '3', RAW_TOPIC_MIN_INSYNC_REPLICAS: '3' };
    expect(parseRawTopicSettings(env).minInsyncReplicas).toBe(3);
  });

  it.each<[Env, string]>([
    [{ RAW_TOPIC_PARTITIONS: '0' }, 'RAW_TOPIC_PARTITIONS'],
    [{ RAW_TOPIC_REPLICATION_FACTOR: '0' }, 'RAW_TOPIC_REPLICATION_FACTOR'],
    [{ RAW_TOPIC_REPLICATION_FACTOR: '1.5' }, 'RAW_TOPIC_REPLICATION_FACTOR'],
    [{ RAW_TOPIC_MIN_INSYNC_REPLICAS: '2' }, 'RAW_TOPIC_MIN_INSYNC_REPLICAS'],
    [
      { RAW_TOPIC_REPLICATION_FACTOR: '3', RAW_TOPIC_MIN_INSYNC_REPLICAS: '0' },
      'RAW_TOPIC_MIN_INSYNC_REPLICAS',
    ],
  ])('names the variable at fault: %j', (env, variable) => {
    expect(errorOf(() => parseRawTopicSettings(env)).variable).toBe(variable);
  });
});

describe('parseDatabaseUrl and LOG_LEVEL', () => {
  it('reads DATABASE_URL or DATABASE_URL_FILE', () => {
    expect(parseDatabaseUrl({ DATABASE_URL: ' postgres://h/db ' })).toBe('postgres://h/db');
    expect(parseDatabaseUrl({ DATABASE_URL_FILE: file('db', 'postgres://u:pw@h/db\n') })).toBe(
      'postgres://u:pw@h/db',
    );
    expect(errorOf(() => parseDatabaseUrl({})).variable).toBe('DATABASE_URL');
  });

  it('checks LOG_LEVEL, and falls back for the start-up logger', () => {
    expect(parseLogLevel({})).toBe('info');
    expect(parseLogLevel({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(errorOf(() => parseLogLevel({ LOG_LEVEL: 'verbose' })).variable).toBe('LOG_LEVEL');
    expect(startupLogLevel({ LOG_LEVEL: 'verbose' }, 'warn')).toBe('warn');
  });

  it("turns a shared ConfigError into the service's subclass", () => {
    class ServiceError extends ConfigError {}
    const error = errorOf(() =>
      asServiceConfigError(
        (v, p) => new ServiceError(v, p),
        () => parseLogLevel({ LOG_LEVEL: 'x' }),
      ),
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.variable).toBe('LOG_LEVEL');
  });
});
