import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { APICURIO_VERSION, DEFAULT_PORTS, DEFAULT_POSTGRES_PASSWORD, KAFKA_VERSION } from '../src/index.js';
import type { PortEnvVar } from '../src/index.js';
import { kafkaServerProperties } from '../src/kafka-service.js';
import { repoRoot } from '../src/stack-config.js';

interface ComposeService {
  image: string;
  ports: string[];
  environment: Record<string, string | number>;
}

const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8')) as {
  services: Record<'kafka' | 'registry' | 'postgres', ComposeService>;
};
const { kafka, registry, postgres } = compose.services;

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
