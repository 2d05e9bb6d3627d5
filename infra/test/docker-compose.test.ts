import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { APICURIO_VERSION, DEFAULT_PORTS, DEFAULT_POSTGRES_PASSWORD, KAFKA_VERSION } from '../src/index.js';
import type { PortEnvVar } from '../src/index.js';
import { REGISTRY_SCHEMA, toJdbcDataSource } from '../src/database-url.js';
import { kafkaServerProperties } from '../src/kafka-service.js';
import { registrySystemProperties } from '../src/registry-service.js';
import { readStackConfig, repoRoot } from '../src/stack-config.js';

interface ComposeService {
  image: string;
  ports: string[];
  environment: Record<string, string | number>;
  command?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8')) as {
  services: Record<'kafka' | 'registry' | 'registry-storage' | 'postgres', ComposeService>;
  volumes: Record<string, unknown>;
};
const { kafka, registry, postgres } = compose.services;
const registryStorage = compose.services['registry-storage'];

/** The named volume mounted at `path`, or undefined. */
function volumeAt(service: ComposeService, path: string): string | undefined {
  const mount = (service.volumes ?? []).find((volume) => volume.endsWith(`:${path}`));
  return mount?.slice(0, -path.length - 1);
}

/** '127.0.0.1:${KAFKA_PORT:-19092}:19092' → { envVar: 'KAFKA_PORT', hostDefault: 19092, container: 19092 } */
function parsePortMapping(mapping: string): { envVar: string; hostDefault: number; container: number } {
  const match = /^127\.0\.0\.1:\$\{([A-Z_]+):-(\d+)\}:(\d+)$/.exec(mapping);
  if (!match) throw new Error(`unexpected port mapping ${mapping}`);
  return { envVar: match[1] ?? '', hostDefault: Number(match[2]), container: Number(match[3]) };
}

function expectPublishedPorts(service: ComposeService, expected: PortEnvVar[]): void {
  const published = service.ports.map(parsePortMapping);
  expect(published.map(({ envVar, hostDefault }) => [envVar, hostDefault])).toEqual(
    expected.map((envVar) => [envVar, DEFAULT_PORTS[envVar]]),
  );
}

describe('docker-compose.yml agrees with the local process stack', () => {
  it('runs the same server versions', () => {
    expect(kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(registry.image).toBe(`apicurio/apicurio-registry:${APICURIO_VERSION}`);
    expect(postgres.image).toBe('postgres:18');
  });

  it('publishes the same default host ports under the same variable names', () => {
    expectPublishedPorts(kafka, ['KAFKA_PORT']);
    expectPublishedPorts(registry, ['SCHEMA_REGISTRY_PORT', 'SCHEMA_REGISTRY_MANAGEMENT_PORT']);
    expectPublishedPorts(postgres, ['POSTGRES_PORT']);
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toBe(
      `PLAINTEXT://127.0.0.1:\${KAFKA_PORT:-${DEFAULT_PORTS.KAFKA_PORT}}`,
    );
  });

  it('gives the broker the settings the local broker has', () => {
    const local = kafkaServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/data' });
    const settings = local
      .split('\n')
      .filter(
        (line) =>
          line.includes('=') &&
          !/^(listeners|advertised\.listeners|log\.dirs|controller\.quorum\.voters)=/.test(line),
      )
      .map((line) => line.split('=') as [string, string]);

    for (const [key, value] of settings) {
      const envName = `KAFKA_${key.toUpperCase().replaceAll('.', '_')}`;
      expect([envName, String(kafka.environment[envName])]).toEqual([envName, value]);
    }
  });

  it('formats the broker with a valid KRaft cluster id (16 bytes, base64url)', () => {
    expect(Buffer.from(String(kafka.environment.CLUSTER_ID), 'base64url')).toHaveLength(16);
  });

  it('uses the same Postgres user and default password', () => {
    expect(postgres.environment.POSTGRES_USER).toBe('postgres');
    expect(postgres.environment.POSTGRES_PASSWORD).toBe(
      `\${POSTGRES_PASSWORD:-${DEFAULT_POSTGRES_PASSWORD}}`,
    );
  });
});

describe('docker-compose.yml keeps its data like the process stack', () => {
  it("gives the registry the process stack's Apicurio settings, with SQL storage on the compose Postgres", () => {
    // The process stack's properties for a Postgres reached as compose's 'postgres' service.
    const dataSource = toJdbcDataSource('postgres://postgres:unused@postgres:5432/postgres', REGISTRY_SCHEMA);
    const apicurio = registrySystemProperties(readStackConfig({ env: {} }), dataSource)
      .filter((property) => property.startsWith('-Dapicurio.'))
      .map((property) => /^-D([^=]+)=(.*)$/.exec(property)?.slice(1) ?? []);

    expect(apicurio.map(([key]) => key)).toContain('apicurio.storage.kind');
    for (const [key = '', value] of apicurio) {
      const envName = key.toUpperCase().replace(/[.-]/g, '_');
      expect([envName, String(registry.environment[envName])]).toEqual([envName, value]);
    }
    expect(registry.environment.APICURIO_DATASOURCE_PASSWORD).toBe(postgres.environment.POSTGRES_PASSWORD);
  });

  it("creates the registry's schema before the registry starts, once Postgres is healthy", () => {
    expect(registry.depends_on?.['registry-storage']?.condition).toBe('service_completed_successfully');
    expect(registryStorage.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(registryStorage.command).toContain(`--command=CREATE SCHEMA IF NOT EXISTS ${REGISTRY_SCHEMA}`);
  });

  it('keeps Kafka and Postgres data in named volumes, with durability left on', () => {
    const kafkaVolume = volumeAt(kafka, String(kafka.environment.KAFKA_LOG_DIRS));
    const postgresVolume = volumeAt(postgres, '/var/lib/postgresql');

    expect(Object.keys(compose.volumes).sort()).toEqual([kafkaVolume, postgresVolume].sort());
    expect((postgres.command ?? []).join(' ')).not.toMatch(/fsync|synchronous_commit|full_page_writes/);
  });
});
