import { isOurProcess, isPortAnswering, tailFile, waitUntil as pollUntil } from './process-control.js';
import {
  assertDatabaseAnswers,
  ensureRegistrySchema,
  readModelDatabaseUrl,
  resolveReadModelDatabase,
} from './read-model-database.js';
import type { ReadModelDatabase } from './read-model-database.js';
import { schemaRegistryUrl } from './registry-service.js';
import { replicationSettings } from './kafka-cluster.js';
import { configuredKafkaNodes, kafkaNodeRuntime, kafkaUnit } from './kafka-service.js';
import { RUNTIMES, runtimesOf, stopServices } from './runtimes.js';
import { ensureServiceDown, ensureServiceUp } from './service-lifecycle.js';
import type { ServiceRuntime } from './service-runtime.js';
import { unitOf } from './service-runtime.js';
import { ALL_SERVICES, readStackConfig } from './stack-config.js';
import type { PortEnvVar, ServiceName, StackConfig, StackOptions } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { readServiceRecord, serviceLogFile } from './state-store.js';

/** Where clients reach the stack. */
export interface StackEndpoints {
  /** host:port of every broker, comma-separated (one for a single broker). */
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
  /** The Kafka node (KRaft node id) in a several-broker stack, which lists one status per node. */
  readonly node?: number;
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
    return ensureAllUp(runtimesOf(service, config), config);
  });
}

/**
 * Every process of a service, in parallel (a cluster's nodes must start together: none is ready
 * before the controller quorum has a majority). 'started' when any was started.
 */
async function ensureAllUp(runtimes: ServiceRuntime[], config: StackConfig): Promise<UpOutcome> {
  const outcomes = await Promise.allSettled(runtimes.map((runtime) => ensureServiceUp(runtime, config)));
  throwFailures(outcomes);
  return outcomes.some((outcome) => outcome.status === 'fulfilled' && outcome.value === 'started')
    ? 'started'
    : 'reused';
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
  return services.flatMap((service) =>
    runtimesOf(service, config).map((runtime, index) => ({
      ...serviceStatus(runtime, config, database),
      ...(config.kafkaBrokers > 1 && service === 'kafka' ? { node: index + 1 } : {}),
    })),
  );
}

function serviceStatus(
  runtime: ServiceRuntime,
  config: StackConfig,
  database: ReadModelDatabase,
): ServiceStatus {
  const service = runtime.name;
  const logFile = serviceLogFile(config.stateDir, unitOf(runtime, config));
  const record = readServiceRecord(config.stateDir, unitOf(runtime, config));
  if (record && isOurProcess(record.pid, record.marker)) {
    return { service, state: 'up', pid: record.pid, ports: record.ports, logFile };
  }
  const ports = Object.fromEntries(runtime.ports(config).map(({ envVar, port }) => [envVar, port]));
  const external = service === 'postgres' && database.kind === 'external';
  return { service, state: external ? 'external' : 'down', ports, logFile };
}

/** The last lines of each requested service's log (each Kafka node's in a cluster). */
export function stackLogs(
  options: StackOptions & { lines?: number } = {},
): Array<{ service: ServiceName; node?: number; logFile: string; tail: string }> {
  const config = readStackConfig(options);
  return (options.services ?? ALL_SERVICES).flatMap((service) =>
    runtimesOf(service, config).map((runtime, index) => {
      const logFile = serviceLogFile(config.stateDir, unitOf(runtime, config));
      const node = config.kafkaBrokers > 1 && service === 'kafka' ? { node: index + 1 } : {};
      return { service, ...node, logFile, tail: tailFile(logFile, options.lines ?? 50) };
    }),
  );
}

/** A Kafka node of the stack as tests and operators address it. */
export interface KafkaBrokerInfo {
  /** KRaft node id, as Kafka metadata names the broker (1..brokers). */
  readonly nodeId: number;
  /** host:port of its PLAINTEXT listener. */
  readonly address: string;
  readonly controllerPort: number;
  readonly logFile: string;
}

/** The configured Kafka nodes, whether or not they run. */
export function kafkaBrokers(options: StackOptions = {}): KafkaBrokerInfo[] {
  const config = readStackConfig(options);
  return configuredKafkaNodes(config).map(({ nodeId, port, controllerPort }) => ({
    nodeId,
    address: `127.0.0.1:${port}`,
    controllerPort,
    logFile: serviceLogFile(config.stateDir, kafkaUnit(config, nodeId)),
  }));
}

/**
 * Stops one Kafka node of this stack (a cluster's, to test losing a broker); `signal` SIGKILL
 * kills it as a crash would. Its data stays; `startKafkaBroker` brings it back. Resolves whether
 * it was running.
 */
export async function stopKafkaBroker(
  options: StackOptions & { nodeId: number; signal?: 'SIGTERM' | 'SIGKILL' },
): Promise<boolean> {
  const config = readStackConfig(options);
  const runtime = kafkaNodeRuntime(options.nodeId);
  const ports = runtime.ports(config); // an unknown node id is a StackError before anything is signalled
  const wasRunning = await ensureServiceDown(runtime, config, options.signal ?? runtime.stopSignal);
  // A SIGKILLed JVM's main thread is reaped before its other threads let go of the sockets: the
  // node is down once its ports no longer answer (a start right after would find them taken).
  const released = await pollUntil(
    async () => !(await Promise.all(ports.map(({ port }) => isPortAnswering(port)))).some(Boolean),
    15_000,
    100,
  );
  if (!released) {
    throw new StackError(
      `${kafkaUnit(config, options.nodeId)}: stopped, but its ports still answer after 15 s`,
    );
  }
  return wasRunning;
}

/** Starts one Kafka node of this stack on its data unless it runs; resolves once it is ready. */
export async function startKafkaBroker(
  options: StackOptions & { nodeId: number },
): Promise<'started' | 'reused'> {
  const config = readStackConfig(options);
  return ensureServiceUp(kafkaNodeRuntime(options.nodeId), config);
}

/** The endpoints for the configured ports (whether or not the servers run); DATABASE_URL when set. */
export function stackEndpoints(config: StackConfig): StackEndpoints {
  return {
    kafkaBrokers: configuredKafkaNodes(config)
      .map(({ port }) => `127.0.0.1:${port}`)
      .join(','),
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

/**
 * What the services should be told about the stack's Kafka beyond its address: on a cluster, the
 * raw topic's replication factor (RAW_TOPIC_REPLICATION_FACTOR; its min.insync.replicas follows
 * from it), unless `env` sets it. Empty for one broker, whose defaults fit.
 */
export function stackTopicEnv(config: StackConfig, env: NodeJS.ProcessEnv): Record<string, string> {
  if (config.kafkaBrokers === 1 || env.RAW_TOPIC_REPLICATION_FACTOR) return {};
  return { RAW_TOPIC_REPLICATION_FACTOR: String(replicationSettings(config.kafkaBrokers).replicationFactor) };
}
