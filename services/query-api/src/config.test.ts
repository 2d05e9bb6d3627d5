import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseQueryApiConfig, QueryApiConfigError } from './config.js';

const base = {
  DATABASE_URL: 'postgres://postgres:allo-local@127.0.0.1:15432/postgres',
  API_TOKENS: 'token-a',
};

function errorOf(env: NodeJS.ProcessEnv): QueryApiConfigError {
  try {
    parseQueryApiConfig(env);
  } catch (error) {
    if (error instanceof QueryApiConfigError) return error;
    throw error;
  }
  throw new Error('expected a QueryApiConfigError');
}

describe('parseQueryApiConfig', () => {
  it('reads the defaults', () => {
    const config = parseQueryApiConfig(base);
    expect(config).toEqual({
      port: 8090,
      host: '127.0.0.1',
      databaseUrl: base.DATABASE_URL,
      tokens: ['token-a'],
      kafka: null,
      rawTopic: 'allo.webhooks.raw',
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
    });
  });

  it('reads several tokens, brokers and overrides', () => {
    const config = parseQueryApiConfig({
      ...base,
      API_TOKENS: ' first , second,,',
      API_PORT: '0',
      API_HOST: '0.0.0.0',
      KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
      RAW_TOPIC: 'custom.raw',
      LOG_LEVEL: 'debug',
    });
    expect(config.tokens).toEqual(['first', 'second']);
    expect(config.port).toBe(0);
    expect(config.host).toBe('0.0.0.0');
    expect(config.kafka?.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(config.rawTopic).toBe('custom.raw');
    expect(config.logLevel).toBe('debug');
  });

  it('treats an empty KAFKA_BROKERS as not configured', () => {
    expect(parseQueryApiConfig({ ...base, KAFKA_BROKERS: ' , ' }).kafka).toBeNull();
  });

  it.each([
    [{ API_TOKENS: undefined }, 'API_TOKENS'],
    [{ API_TOKENS: '' }, 'API_TOKENS'],
    [{ API_TOKENS: ' , ' }, 'API_TOKENS'],
    [{ API_TOKENS: 'ok,has space' }, 'API_TOKENS'],
    [{ DATABASE_URL: '' }, 'DATABASE_URL'],
    [{ API_PORT: 'http' }, 'API_PORT'],
    [{ API_PORT: '70000' }, 'API_PORT'],
    [{ API_SHUTDOWN_TIMEOUT_MS: '5' }, 'API_SHUTDOWN_TIMEOUT_MS'],
  ])('names the variable at fault (%j)', (env, variable) => {
    const error = errorOf({ ...base, ...env });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('never puts a token into an error message', () => {
    const error = errorOf({ ...base, API_TOKENS: 'secret-one,secret two' });
    expect(error.message).not.toContain('secret');
  });

  it('reads API_TOKENS_FILE: one token per line or comma-separated, # comments skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'query-api-config-'));
    try {
      const file = join(dir, 'tokens');
      writeFileSync(file, '# dashboard\nfirst\n\nsecond, third\n');
      const { API_TOKENS: _inline, ...withoutInline } = base;
      expect(parseQueryApiConfig({ ...withoutInline, API_TOKENS_FILE: file }).tokens).toEqual([
        'first',
        'second',
        'third',
      ]);
      writeFileSync(file, '# nothing yet\n');
      expect(errorOf({ ...withoutInline, API_TOKENS_FILE: file }).variable).toBe('API_TOKENS_FILE');
      expect(errorOf({ ...base, API_TOKENS_FILE: file }).variable).toBe('API_TOKENS');
      expect(errorOf({ ...withoutInline, API_TOKENS_FILE: join(dir, 'absent') }).variable).toBe(
        'API_TOKENS_FILE',
      );
      expect(errorOf({ ...base, DATABASE_URL: '' }).variable).toBe('DATABASE_URL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
