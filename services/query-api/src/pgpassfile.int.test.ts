import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { parseQueryApiConfig } from './config.js';
import { startQueryApi } from './start-query-api.js';

// node-postgres reads PGPASSFILE from process.env when a connection opens and the URL has no password.
const logger = pino({ level: 'silent' });
let testDb: TestDatabase<unknown>;
let dir: string;
const savedPgPassFile = process.env.PGPASSFILE;

beforeAll(async () => {
  testDb = await createTestDatabase('pgpass');
  dir = mkdtempSync(join(tmpdir(), 'pgpass-'));
});

afterAll(async () => {
  if (savedPgPassFile === undefined) delete process.env.PGPASSFILE;
  else process.env.PGPASSFILE = savedPgPassFile;
  await testDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The test database's URL without its password, and a pgpass line for it with `password`. */
function split(password: string): { url: string; line: string } {
  const url = new URL(testDb.url);
  const line = [
    url.hostname,
    url.port,
    url.pathname.slice(1),
    decodeURIComponent(url.username),
    password,
  ].join(':');
  url.password = '';
  return { url: url.toString(), line };
}

async function startWith(pgpassLine: string, name: string): Promise<void> {
  const file = join(dir, name);
  writeFileSync(file, `${pgpassLine}\n`, { mode: 0o600 });
  process.env.PGPASSFILE = file;
  const config = parseQueryApiConfig({
    DATABASE_URL: split('').url,
    API_TOKENS: 'pgpass-test-token',
    API_PORT: '0',
    API_HOST: '127.0.0.1',
  });
  expect(config.databaseUrl).not.toContain(decodeURIComponent(new URL(testDb.url).password));
  // Start-up migrates the read models: it fails unless Postgres accepted the password.
  const api = await startQueryApi(config, logger);
  try {
    const response = await fetch(`${api.url}/v1/projections`, {
      headers: { authorization: 'Bearer pgpass-test-token' },
    });
    expect(response.status).toBe(200);
  } finally {
    await api.close();
  }
}

describe('DATABASE_URL without a password, PGPASSFILE holding it', () => {
  it('connects with the password from the file', async () => {
    const password = decodeURIComponent(new URL(testDb.url).password);
    expect(password).not.toBe('');
    await startWith(split(password).line, 'right');
  });

  it('is refused with a wrong password in the file (so the test above depends on the file)', async () => {
    await expect(startWith(split('wrong-password').line, 'wrong')).rejects.toThrow(/password/i);
  });
});
