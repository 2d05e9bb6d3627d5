import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_PORTS, readStackConfig, StackConfigError, ToolMissingError } from '../src/index.js';
import { findJava } from '../src/java-tools.js';
import { newKafkaClusterId } from '../src/kafka-service.js';
import { kafkaRuntimePom } from '../src/maven-artifacts.js';
import { repoRoot } from '../src/stack-config.js';
import { KAFKA_VERSION, LOG4J_VERSION } from '../src/versions.js';

describe('readStackConfig', () => {
  it('defaults to the repo state folder, the user cache folder and the non-standard ports', () => {
    const config = readStackConfig({ env: { HOME: '/home/dev' } });

    // As root in a checkout the postgres user cannot enter (e.g. under /root), state moves to /var/tmp.
    expect([
      join(repoRoot(), '.stack'),
      expect.stringMatching(/^\/var\/tmp\/allo-pipeline-stack-[0-9a-f]{10}$/),
    ]).toContainEqual(config.stateDir);
    expect(config.cacheDir).toMatch(/\.cache[/\\]allo-pipeline$/);
    expect(config.ports).toEqual(DEFAULT_PORTS);
    expect(config.externalDatabaseUrl).toBeUndefined();
  });

  it('reads ports, folders and DATABASE_URL from the environment', () => {
    const env = {
      KAFKA_PORT: '29092',
      STACK_STATE_DIR: '/tmp/s',
      ALLO_CACHE_DIR: '/tmp/c',
      DATABASE_URL: 'postgres://x@h/db',
    };
    const config = readStackConfig({ env });

    expect(config).toMatchObject({
      stateDir: '/tmp/s',
      cacheDir: '/tmp/c',
      externalDatabaseUrl: 'postgres://x@h/db',
    });
    expect(config.ports.KAFKA_PORT).toBe(29092);
    expect(readStackConfig({ env, stateDir: '/tmp/other' }).stateDir).toBe('/tmp/other');
  });

  it('reads the database URL from DATABASE_URL_FILE, and refuses both or an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-config-'));
    try {
      const file = join(dir, 'database-url');
      writeFileSync(file, 'postgres://x@h/db\n');
      expect(readStackConfig({ env: { DATABASE_URL_FILE: file } }).externalDatabaseUrl).toBe(
        'postgres://x@h/db',
      );
      expect(() =>
        readStackConfig({ env: { DATABASE_URL_FILE: file, DATABASE_URL: 'postgres://y@h/db' } }),
      ).toThrow('set only one of DATABASE_URL and DATABASE_URL_FILE');
      expect(() => readStackConfig({ env: { DATABASE_URL_FILE: join(dir, 'missing') } })).toThrow(
        /^DATABASE_URL_FILE: cannot read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed port, naming the variable', () => {
    expect(() => readStackConfig({ env: { POSTGRES_PORT: 'abc' } })).toThrow(StackConfigError);
    expect(() => readStackConfig({ env: { POSTGRES_PORT: '70000' } })).toThrow(
      'POSTGRES_PORT=70000 is not a TCP port',
    );
  });
});

describe('Kafka runtime', () => {
  it('generates KRaft cluster ids of 16 bytes in base64url that cannot be read as an option', () => {
    const ids = Array.from({ length: 200 }, newKafkaClusterId);

    expect(ids.every((id) => id.length === 22 && !id.startsWith('-'))).toBe(true);
    expect(ids.every((id) => Buffer.from(id, 'base64url').length === 16)).toBe(true);
  });

  it('pins the broker and the slf4j 1.7 log4j binding to the versions in one place', () => {
    const pom = kafkaRuntimePom();

    expect(pom).toContain(`<artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version>`);
    expect(pom).toContain(`<artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J_VERSION}</version>`);
  });
});

describe('findJava', () => {
  it('says which Java version is needed and how to install it when none qualifies', () => {
    const find = (): unknown => findJava(99, 'A future server', { PATH: '' });

    expect(find).toThrow(ToolMissingError);
    expect(find).toThrow(/A future server needs Java 99 or newer; .*apt-get install openjdk-99-jre-headless/);
  });
});
