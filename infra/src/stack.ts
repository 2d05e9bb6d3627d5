import { isOurProcess, isPortAnswering, tailFile } from './process-control.js';
import { embeddedDatabaseUrl, postgresService } from './postgres-service.js';
import { kafkaService } from './kafka-service.js';
import { registryService, schemaRegistryUrl } from './registry-service.js';
import { ensureServiceDown, ensureServiceUp } from './service-lifecycle.js';
import type { ServiceRuntime } from './service-runtime.js';
import { ALL_SERVICES, readStackConfig } from './stack-config.js';
import type { PortEnvVar, ServiceName, StackConfig, StackOptions } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { readServiceRecord, serviceLogFile } from './state-store.js';

const RUNTIMES: Record<ServiceName, ServiceRuntime> = {
  kafka: kafkaService,
  registry: registryService,
  postgres: postgresService,
};

/** Where clients reach the stack. */
export interface StackEndpoints {
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
}

export interface StackUpResult {
  readonly endpoints: StackEndpoints;
  /** Services this call started (pass these to stackDown to undo exactly this call). */
  readonly started: ServiceName[];
  /** Services of ours that were already running. */
  readonly reused: ServiceName[];
  /** Services provided from outside (Postgres given by a reachable DATABASE_URL). */
  readonly external: ServiceName[];
}

export interface ServiceStatus {
  readonly service: ServiceName;
  readonly state: 'up' | 'down' | 'external';
  readonly pid?: number;
  readonly ports: Partial<Record<PortEnvVar, number>>;
  readonly logFile: string;
}

/**
 * Starts the requested services (default all) unless already running, in parallel, and resolves
 * once each answers. A reachable DATABASE_URL replaces the embedded Postgres. Throws a StackError
 * subclass naming what to do; services that did start stay up (a later stackUp reuses them).
 */
export async function stackUp(options: StackOptions = {}): Promise<StackUpResult> {
  const config = readStackConfig(options);
  const services = options.services ?? ALL_SERVICES;
  const external =
    services.includes('postgres') && (await usesExternalDatabase(config)) ? ['postgres' as const] : [];
  if (external.length > 0) config.progress('postgres: using DATABASE_URL (reachable); starting none');
  const toStart = services.filter((service) => !external.some((name) => name === service));
  const outcomes = await Promise.allSettled(
    toStart.map((service) => ensureServiceUp(RUNTIMES[service], config)),
  );
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [outcome.reason as Error] : [],
  );
  const [firstFailure] = failures;
  if (firstFailure && failures.length === 1) throw firstFailure;
  if (failures.length > 1) throw new StackError(failures.map((error) => error.message).join('\n\n'));
  const byOutcome = (wanted: string): ServiceName[] =>
    toStart.filter((_, index) => {
      const outcome = outcomes[index];
      return outcome?.status === 'fulfilled' && outcome.value === wanted;
    });
  return {
    endpoints: stackEndpoints(config),
    started: byOutcome('started'),
    reused: byOutcome('reused'),
    external,
  };
}

/** Stops the requested services (default all) that this stack started; never anything else. */
export async function stackDown(options: StackOptions = {}): Promise<{ stopped: ServiceName[] }> {
  const config = readStackConfig(options);
  const services = options.services ?? ALL_SERVICES;
  const stopped = await Promise.all(services.map((service) => ensureServiceDown(RUNTIMES[service], config)));
  return { stopped: services.filter((_, index) => stopped[index]) };
}

/** Each service's state, pid, ports and log file. */
export async function stackStatus(options: StackOptions = {}): Promise<ServiceStatus[]> {
  const config = readStackConfig(options);
  const services = options.services ?? ALL_SERVICES;
  return Promise.all(services.map((service) => serviceStatus(service, config)));
}

async function serviceStatus(service: ServiceName, config: StackConfig): Promise<ServiceStatus> {
  const logFile = serviceLogFile(config.stateDir, service);
  const record = readServiceRecord(config.stateDir, service);
  if (record && isOurProcess(record.pid, record.marker)) {
    return { service, state: 'up', pid: record.pid, ports: record.ports, logFile };
  }
  const ports = Object.fromEntries(RUNTIMES[service].ports(config).map(({ envVar, port }) => [envVar, port]));
  if (service === 'postgres' && (await usesExternalDatabase(config)))
    return { service, state: 'external', ports, logFile };
  return { service, state: 'down', ports, logFile };
}

/** The last lines of each requested service's log. */
export function stackLogs(
  options: StackOptions & { lines?: number } = {},
): Array<{ service: ServiceName; logFile: string; tail: string }> {
  const config = readStackConfig(options);
  return (options.services ?? ALL_SERVICES).map((service) => {
    const logFile = serviceLogFile(config.stateDir, service);
    return { service, logFile, tail: tailFile(logFile, options.lines ?? 50) };
  });
}

/** The endpoints for the configured ports (whether or not the servers run). */
export function stackEndpoints(config: StackConfig): StackEndpoints {
  const ownPostgres = readServiceRecord(config.stateDir, 'postgres');
  return {
    kafkaBrokers: `127.0.0.1:${config.ports.KAFKA_PORT}`,
    schemaRegistryUrl: schemaRegistryUrl(config.ports.SCHEMA_REGISTRY_PORT),
    databaseUrl:
      ownPostgres || !config.externalDatabaseUrl ? embeddedDatabaseUrl(config) : config.externalDatabaseUrl,
  };
}

/** The environment variables services and tests read. */
export function stackEnv(endpoints: StackEndpoints): {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  DATABASE_URL: string;
} {
  return {
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: endpoints.databaseUrl,
  };
}

/** True when DATABASE_URL is set, is not our own embedded server, and accepts connections. */
async function usesExternalDatabase(config: StackConfig): Promise<boolean> {
  if (!config.externalDatabaseUrl) return false;
  const own = readServiceRecord(config.stateDir, 'postgres');
  if (own && isOurProcess(own.pid, own.marker)) return false;
  const url = new URL(config.externalDatabaseUrl);
  return isPortAnswering(Number(url.port || 5432), url.hostname);
}
