import { mkdirSync } from 'node:fs';
import { findJava } from './java-tools.js';
import { ensureApicurio } from './maven-artifacts.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { serviceHome } from './state-store.js';
import { MIN_JAVA_MAJOR } from './versions.js';

/** The Confluent-compatible API of the local registry (what SCHEMA_REGISTRY_URL names). */
export function schemaRegistryUrl(port: number): string {
  return `http://127.0.0.1:${port}/apis/ccompat/v7`;
}

/**
 * Readiness URL. Apicurio 3.x serves health on Quarkus' management interface (its own port,
 * 9000 on all interfaces unless moved), not on the API port.
 */
export function registryHealthUrl(managementPort: number): string {
  return `http://127.0.0.1:${managementPort}/health/ready`;
}

/** JVM system properties for a loopback, in-memory registry that allows deletes (tests clean up). */
export function registrySystemProperties(config: StackConfig): string[] {
  return [
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.http.port=${config.ports.SCHEMA_REGISTRY_PORT}`,
    '-Dquarkus.management.host=127.0.0.1',
    `-Dquarkus.management.port=${config.ports.SCHEMA_REGISTRY_MANAGEMENT_PORT}`,
    '-Dquarkus.http.access-log.enabled=false',
    '-Dapicurio.rest.deletion.group.enabled=true',
    '-Dapicurio.rest.deletion.artifact.enabled=true',
    '-Dapicurio.rest.deletion.artifact-version.enabled=true',
    `-Dallo.stack.dir=${serviceHome(config.stateDir, 'registry')}`,
  ];
}

export const registryService: ServiceRuntime = {
  name: 'registry',
  readyTimeoutMs: 120_000,
  stopSignal: 'SIGTERM',
  ports: (config) => [
    { envVar: 'SCHEMA_REGISTRY_PORT', port: config.ports.SCHEMA_REGISTRY_PORT },
    { envVar: 'SCHEMA_REGISTRY_MANAGEMENT_PORT', port: config.ports.SCHEMA_REGISTRY_MANAGEMENT_PORT },
  ],
  marker: (config) => serviceHome(config.stateDir, 'registry'),
  async prepare(config) {
    const java = findJava(MIN_JAVA_MAJOR.registry, 'Apicurio Registry', config.env);
    const jar = await ensureApicurio(config);
    const home = serviceHome(config.stateDir, 'registry');
    mkdirSync(home, { recursive: true });
    return {
      command: java.javaBin,
      args: ['-Xmx384m', '-Djava.awt.headless=true', ...registrySystemProperties(config), '-jar', jar],
      cwd: home,
    };
  },
  async isReady(config) {
    try {
      const response = await fetch(registryHealthUrl(config.ports.SCHEMA_REGISTRY_MANAGEMENT_PORT), {
        signal: AbortSignal.timeout(2_000),
      });
      return response.status === 200;
    } catch {
      return false;
    }
  },
};
