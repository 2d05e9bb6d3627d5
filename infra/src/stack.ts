import { isOurProcess, tailFile } from './process-control.js';
import {
  assertDatabaseAnswers,
  ensureRegistrySchema,
  readModelDatabaseUrl,
  resolveReadModelDatabase,
} from './read-model-database.js';
import type { ReadModelDatabase } from './read-model-database.js';
import { schemaRegistryUrl } from './registry-service.js';
import { RUNTIMES, stopServices } from './runtimes.js';
import { ensureServiceUp } from './service-lifecycle.js';
import { ALL_SERVICES, readStackConfig } from './stack-config.js';
import type { PortEnvVar, ServiceName, StackConfig, StackOptions } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { readServiceRecord, serviceLogFile } from './state-store.js';

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
  /** Services provided from outside (Postgres given by DATABASE_URL). */
  readonly external: ServiceName[];
}

export interface ServiceStatus {
  readonly service: ServiceName;
  readonly state: 'up' | 'down' | 'external';
  readonly pid?: number;
  readonly ports: Partial<Record<PortEnvVar, number>>;
  readonly logFile: string;
}

type UpOutcome = 'started' | 'reused' | 'external';

/** The registry's failure when Postgres, its storage, failed: that failure is the one to report. */
class StorageNotReadyError extends StackError {
  override name = 'StorageNotReadyError';
}

/**
 * Starts the requested services (default all) unless already running, on the data they left, and
 * resolves once each answers. Kafka starts in parallel; the registry after Postgres, which holds
 * its schemas (so `up registry` brings Postgres up too). With DATABASE_URL set, that server is the
 * read-model database and is never replaced: unreachable, it is a DatabaseUnreachableError before
 * anything starts. Throws a StackError subclass naming what to do; services that did start stay
 * up (a later stackUp reuses them).
 */
export async function stackUp(options: StackOptions = {}): Promise<StackUpResult> {
  const config = readStackConfig(options);
  const services = withStorage(options.services ?? ALL_SERVICES, config);
  const database = await resolveReadModelDatabase(config);
  if (database.kind === 'external' && services.includes('postgres')) {
    await assertDatabaseAnswers(database.url);
    config.progress('postgres: using DATABASE_URL; starting none');
  }
  const outcomes = await Promise.allSettled(launchAll(services, database, config));
  throwFailures(outcomes);
  const byOutcome = (wanted: UpOutcome): ServiceName[] =>
    services.filter((_, index) => {
      const outcome = outcomes[index];
      return outcome?.status === 'fulfilled' && outcome.value === wanted;
    });
  return {
    endpoints: stackEndpoints(config),
    started: byOutcome('started'),
    reused: byOutcome('reused'),
    external: byOutcome('external'),
  };
}

/** The requested services, plus Postgres when the registry is requested (its storage). */
function withStorage(requested: readonly ServiceName[], config: StackConfig): ServiceName[] {
  if (!requested.includes('registry') || requested.includes('postgres')) return [...requested];
  config.progress('registry: keeps its schemas in Postgres; bringing postgres up too');
  return [...requested, 'postgres'];
}

/** One launch per service, aligned with `services`; the registry's waits for Postgres's. */
function launchAll(
  services: readonly ServiceName[],
  database: ReadModelDatabase,
  config: StackConfig,
): Array<Promise<UpOutcome>> {
  let postgres: Promise<UpOutcome> | undefined;
  const postgresUp = (): Promise<UpOutcome> =>
    (postgres ??=
      database.kind === 'external'
        ? Promise.resolve('external')
        : ensureServiceUp(RUNTIMES.postgres, config));
  return services.map((service) => {
    if (service === 'postgres') return postgresUp();
    if (service === 'registry') return startRegistry(postgresUp(), database, config);
    return ensureServiceUp(RUNTIMES[service], config);
  });
}

async function startRegistry(
  storage: Promise<UpOutcome>,
  database: ReadModelDatabase,
  config: StackConfig,
): Promise<UpOutcome> {
  try {
    await storage;
  } catch {
    throw new StorageNotReadyError('registry: not started, because postgres (its storage) did not start');
  }
  await ensureRegistrySchema(database.url);
  return ensureServiceUp(RUNTIMES.registry, config);
}

/** Rethrows the one failure, or all of them in one StackError (a registry waiting on Postgres excluded). */
function throwFailures(outcomes: PromiseSettledResult<unknown>[]): void {
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [outcome.reason as Error] : [],
  );
  const reported = failures.filter((error) => !(error instanceof StorageNotReadyError));
  const [first] = reported.length > 0 ? reported : failures;
  if (first && reported.length <= 1) throw first;
  if (reported.length > 1) throw new StackError(reported.map((error) => error.message).join('\n\n'));
}

/**
 * Stops the requested services (default all) that this stack started, never anything else, and
 * never deletes data (only stackReset does).
 */
export async function stackDown(options: StackOptions = {}): Promise<{ stopped: ServiceName[] }> {
  const config = readStackConfig(options);
  return { stopped: await stopServices(config, options.services ?? ALL_SERVICES) };
}

/** Each service's state, pid, ports and log file. */
export async function stackStatus(options: StackOptions = {}): Promise<ServiceStatus[]> {
  const config = readStackConfig(options);
  const services = options.services ?? ALL_SERVICES;
  const database = await resolveReadModelDatabase(config);
  return services.map((service) => serviceStatus(service, config, database));
}

function serviceStatus(
  service: ServiceName,
  config: StackConfig,
  database: ReadModelDatabase,
): ServiceStatus {
  const logFile = serviceLogFile(config.stateDir, service);
  const record = readServiceRecord(config.stateDir, service);
  if (record && isOurProcess(record.pid, record.marker)) {
    return { service, state: 'up', pid: record.pid, ports: record.ports, logFile };
  }
  const ports = Object.fromEntries(RUNTIMES[service].ports(config).map(({ envVar, port }) => [envVar, port]));
  const external = service === 'postgres' && database.kind === 'external';
  return { service, state: external ? 'external' : 'down', ports, logFile };
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

/** The endpoints for the configured ports (whether or not the servers run); DATABASE_URL when set. */
export function stackEndpoints(config: StackConfig): StackEndpoints {
  return {
    kafkaBrokers: `127.0.0.1:${config.ports.KAFKA_PORT}`,
    schemaRegistryUrl: schemaRegistryUrl(config.ports.SCHEMA_REGISTRY_PORT),
    databaseUrl: readModelDatabaseUrl(config),
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
