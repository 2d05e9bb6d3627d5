import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ALLO_SOURCES_FILE_NAME, serviceEnvironment } from '../src/service-environment.js';

const SECRET = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
// The test's own environment must not leak in: these keys are cleared for every case.
const CLEARED = {
  ALLO_WEBHOOK_SECRET: undefined,
  ALLO_SOURCES: undefined,
  ALLO_SOURCES_FILE: undefined,
  ALLO_WEBHOOK_SECRET_FILE: undefined,
  API_TOKENS: 'tok',
  API_TOKENS_FILE: undefined,
};

describe('serviceEnvironment: Allo sources', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'service-env-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const run = (given: NodeJS.ProcessEnv = {}) =>
    serviceEnvironment(stateDir, { ...CLEARED, ...given }, () => undefined).env;
  const connect = (sources: Record<string, unknown>) =>
    writeFileSync(join(stateDir, ALLO_SOURCES_FILE_NAME), JSON.stringify(sources), { mode: 0o600 });

  it('adds no development secret or token beside ones given as files (both would be refused)', () => {
    const env = serviceEnvironment(
      stateDir,
      { ...CLEARED, API_TOKENS: undefined, ALLO_WEBHOOK_SECRET_FILE: '/run/s', API_TOKENS_FILE: '/run/t' },
      () => undefined,
    ).env;
    expect(env.ALLO_WEBHOOK_SECRET).toBeUndefined();
    expect(env.API_TOKENS).toBeUndefined();
    expect(env).toMatchObject({ ALLO_WEBHOOK_SECRET_FILE: '/run/s', API_TOKENS_FILE: '/run/t' });
  });

  it('gives services the database URL read from DATABASE_URL_FILE, not the file as well (both would be refused)', () => {
    const env = serviceEnvironment(
      stateDir,
      { ...CLEARED, DATABASE_URL_FILE: '/run/db-url', DATABASE_URL: 'postgres://x@h/db' },
      () => undefined,
    ).env;
    expect(env.DATABASE_URL).toBe('postgres://x@h/db');
    expect(env.DATABASE_URL_FILE).toBeUndefined();
  });

  it('without a connected sources file, gives the gateway the development secret only', () => {
    const env = run();
    expect(env.ALLO_WEBHOOK_SECRET).toMatch(/^whsec_/);
    expect(env.ALLO_SOURCES_FILE).toBeUndefined();
  });

  it('points the gateway at the connected file and keeps the development secret for default', () => {
    connect({ eu: { secrets: [SECRET] } });
    const env = run();
    expect(env.ALLO_SOURCES_FILE).toBe(join(stateDir, ALLO_SOURCES_FILE_NAME));
    expect(env.ALLO_WEBHOOK_SECRET).toMatch(/^whsec_/);
  });

  it('drops the development secret when the connected file configures default', () => {
    connect({ default: { secrets: [SECRET] } });
    const env = run();
    expect(env.ALLO_SOURCES_FILE).toBe(join(stateDir, ALLO_SOURCES_FILE_NAME));
    expect(env.ALLO_WEBHOOK_SECRET).toBeUndefined();
  });

  it("leaves the user's own ALLO_SOURCES_FILE alone, without a development secret", () => {
    connect({ eu: { secrets: [SECRET] } });
    const env = run({ ALLO_SOURCES_FILE: '/etc/allo/sources.json' });
    expect(env.ALLO_SOURCES_FILE).toBe('/etc/allo/sources.json');
    expect(env.ALLO_WEBHOOK_SECRET).toBeUndefined();
  });
});
