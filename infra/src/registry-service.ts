import { mkdirSync } from 'node:fs';
import { checkJvmDataVersion, readDataVersion } from './data-version.js';
import { describeDatabaseUrl, REGISTRY_SCHEMA, toJdbcDataSource } from './database-url.js';
import type { JdbcDataSource } from './database-url.js';
import { findJava } from './java-tools.js';
import { ensureApicurio } from './maven-artifacts.js';
import { readModelDatabaseUrl } from './read-model-database.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { serviceHome } from './state-store.js';
import { APICURIO_VERSION, MIN_JAVA_MAJOR } from './versions.js';

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

/** Where the registry keeps its tables: the read-model database, schema apicurio_registry. */
export function registryDataSource(config: StackConfig): JdbcDataSource {
  return toJdbcDataSource(readModelDatabaseUrl(config), REGISTRY_SCHEMA);
}

/**
 * JVM system properties for a loopback registry that allows deletes (tests clean up) and keeps its
 * schemas in Postgres (SQL storage). The password is not among them: argv is visible in ps, so it
 * goes through APICURIO_DATASOURCE_PASSWORD.
 */
export function registrySystemProperties(config: StackConfig, dataSource: JdbcDataSource): string[] {
  return [
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.http.port=${config.ports.SCHEMA_REGISTRY_PORT}`,
    '-Dquarkus.management.host=127.0.0.1',
    `-Dquarkus.management.port=${config.ports.SCHEMA_REGISTRY_MANAGEMENT_PORT}`,
    '-Dquarkus.http.access-log.enabled=false',
    '-Dapicurio.rest.deletion.group.enabled=true',
    '-Dapicurio.rest.deletion.artifact.enabled=true',
    '-Dapicurio.rest.deletion.artifact-version.enabled=true',
    '-Dapicurio.storage.kind=sql',
    '-Dapicurio.storage.sql.kind=postgresql',
    `-Dapicurio.datasource.url=${dataSource.url}`,
    `-Dapicurio.datasource.username=${dataSource.username}`,
    // With the default '*', a table named 'apicurio' in any schema counts as initialised storage.
    `-Dapicurio.sql.db-schema=${REGISTRY_SCHEMA}`,
    // Apicurio's pool defaults (20 kept open, up to 100) would take half of a default max_connections.
    '-Dapicurio.datasource.jdbc.initial-size=2',
    '-Dapicurio.datasource.jdbc.min-size=2',
    '-Dapicurio.datasource.jdbc.max-size=20',
    `-Dallo.stack.dir=${serviceHome(config.stateDir, 'registry')}`,
  ];
}

/** Refuses (StackVersionError) to run an older registry on schemas a newer one stored. */
function checkDataVersion(config: StackConfig): void {
  const place = `the registry's storage (${REGISTRY_SCHEMA} in ${describeDatabaseUrl(readModelDatabaseUrl(config))})`;
  const line = checkJvmDataVersion(
    'registry',
    readDataVersion(config.stateDir, 'registry'),
    APICURIO_VERSION,
    place,
  );
  if (line) config.progress(line);
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
  storage: (config) => registryDataSource(config).url,
  async prepare(config) {
    checkDataVersion(config);
    const dataSource = registryDataSource(config);
    const java = findJava(MIN_JAVA_MAJOR.registry, 'Apicurio Registry', config.env);
    const jar = await ensureApicurio(config);
    const home = serviceHome(config.stateDir, 'registry');
    mkdirSync(home, { recursive: true });
    return {
      command: java.javaBin,
      args: [
        '-Xmx384m',
        '-Djava.awt.headless=true',
        ...registrySystemProperties(config, dataSource),
        '-jar',
        jar,
      ],
      cwd: home,
      env: { ...config.env, APICURIO_DATASOURCE_PASSWORD: dataSource.password },
      version: APICURIO_VERSION,
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
