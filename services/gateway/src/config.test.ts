import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { generateSecret } from '@allo-pipeline/webhook-signature';
import { GatewayConfigError, parseGatewayConfig } from './config.js';

const base = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
};

function errorOf(env: NodeJS.ProcessEnv): GatewayConfigError {
  try {
    parseGatewayConfig(env);
  } catch (error) {
    if (error instanceof GatewayConfigError) return error;
    throw error;
  }
  throw new Error('expected a GatewayConfigError');
}

describe('parseGatewayConfig', () => {
  it('reads defaults and the default source with rotation secrets', () => {
    const config = parseGatewayConfig({
      ...base,
      ALLO_WEBHOOK_SECRET: `${generateSecret()}, ${generateSecret()}`,
    });
    expect(config.port).toBe(8080);
    expect(config.rawTopic).toBe('allo.webhooks.raw');
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.ackDeadlineMs).toBe(10_000);
    expect(config.sources.get('default')).toHaveLength(2);
    expect(config.tls).toBeNull();
  });

  it('adds sources from ALLO_SOURCES as strings or arrays', () => {
    const config = parseGatewayConfig({
      ...base,
      ALLO_SOURCES: JSON.stringify({ eu: generateSecret(), us: [generateSecret(), generateSecret()] }),
    });
    expect([...config.sources.keys()]).toEqual(['eu', 'us']);
    expect(config.sources.get('us')).toHaveLength(2);
  });

  it.each([
    [{}, 'ALLO_WEBHOOK_SECRET'],
    [{ ALLO_WEBHOOK_SECRET: 'not-a-secret' }, 'ALLO_WEBHOOK_SECRET'],
    [{ ALLO_SOURCES: '{oops' }, 'ALLO_SOURCES'],
    [{ ALLO_SOURCES: JSON.stringify({ 'bad name!': generateSecret() }) }, 'ALLO_SOURCES'],
    [{ ALLO_WEBHOOK_SECRET: generateSecret(), GATEWAY_PORT: 'http' }, 'GATEWAY_PORT'],
    [{ ALLO_WEBHOOK_SECRET: generateSecret(), GATEWAY_ACK_DEADLINE_MS: '25000' }, 'GATEWAY_ACK_DEADLINE_MS'],
    [{ ALLO_WEBHOOK_SECRET: generateSecret(), TLS_CERT_FILE: '/tmp/cert.pem' }, 'TLS_KEY_FILE'],
    [{ ALLO_WEBHOOK_SECRET: generateSecret(), KAFKA_BROKERS: '' }, 'KAFKA_BROKERS'],
  ])('names the variable at fault (%j)', (env, variable) => {
    const error = errorOf({ ...base, ...env });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('never puts a secret into an error message', () => {
    const error = errorOf({ ...base, ALLO_WEBHOOK_SECRET: 'whsec_%%%notbase64' });
    expect(error.message).not.toContain('%%%notbase64');
  });
});

describe('sources file', () => {
  it('reads the string, array and object forms; the file overrides ALLO_WEBHOOK_SECRET for default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    const file = join(dir, 'allo-sources.json');
    try {
      writeFileSync(
        file,
        JSON.stringify({
          default: { secrets: [generateSecret(), generateSecret()], url: 'https://x.test/webhooks/allo' },
          eu: generateSecret(),
          us: [generateSecret()],
        }),
      );
      const config = parseGatewayConfig({
        ...base,
        ALLO_WEBHOOK_SECRET: generateSecret(),
        ALLO_SOURCES_FILE: file,
      });
      expect([...config.sources].map(([name, secrets]) => [name, secrets.length])).toEqual([
        ['default', 2],
        ['eu', 1],
        ['us', 1],
      ]);
      expect(config.sourceLayers.file).toBe(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an object entry without secrets, naming the file variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    const file = join(dir, 'allo-sources.json');
    try {
      writeFileSync(file, JSON.stringify({ eu: { url: 'https://x.test/webhooks/allo/eu' } }));
      expect(errorOf({ ...base, ALLO_SOURCES_FILE: file }).variable).toBe('ALLO_SOURCES_FILE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the default source from ALLO_WEBHOOK_SECRET_FILE, never both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    const file = join(dir, 'secret');
    try {
      writeFileSync(file, `${generateSecret()}\n`);
      expect(
        parseGatewayConfig({ ...base, ALLO_WEBHOOK_SECRET_FILE: file }).sources.get('default'),
      ).toHaveLength(1);
      expect(
        errorOf({ ...base, ALLO_WEBHOOK_SECRET_FILE: file, ALLO_WEBHOOK_SECRET: generateSecret() }).variable,
      ).toBe('ALLO_WEBHOOK_SECRET');
      writeFileSync(file, 'whsec_%%%notbase64\n');
      const bad = errorOf({ ...base, ALLO_WEBHOOK_SECRET_FILE: file });
      expect(bad.variable).toBe('ALLO_WEBHOOK_SECRET_FILE');
      expect(bad.message).not.toContain('%%%');
      expect(errorOf({ ...base, ALLO_WEBHOOK_SECRET_FILE: join(dir, 'absent') }).variable).toBe(
        'ALLO_WEBHOOK_SECRET_FILE',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the shared Kafka and raw-topic settings, errors as GatewayConfigError', () => {
    const config = parseGatewayConfig({
      ...base,
      ALLO_WEBHOOK_SECRET: generateSecret(),
      RAW_TOPIC_REPLICATION_FACTOR: '3',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(config).toMatchObject({ rawTopicReplicationFactor: 3, rawTopicMinInsyncReplicas: 2 });
    expect(config.kafka.sasl?.mechanism).toBe('scram-sha-256');
    for (const [variable, value] of [
      ['RAW_TOPIC_MIN_INSYNC_REPLICAS', '2'],
      ['KAFKA_SASL_MECHANISM', 'kerberos'],
      ['LOG_LEVEL', 'loud'],
    ] as const)
      expect(errorOf({ ...base, ALLO_WEBHOOK_SECRET: generateSecret(), [variable]: value }).variable).toBe(
        variable,
      );
  });
});
