import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseBrokerCount, recordedBrokerCount } from './kafka-cluster.js';
import type { BrokerCount } from './kafka-cluster.js';
import { StackConfigError } from './stack-errors.js';
import { serviceHome } from './state-store.js';

/** The servers the local stack can run. */
export type ServiceName = 'kafka' | 'registry' | 'postgres';

export const ALL_SERVICES: readonly ServiceName[] = ['kafka', 'registry', 'postgres'];

/** Default ports (chosen away from the usual 9092/8081/5432 so a machine's own servers never clash). */
export const DEFAULT_PORTS = {
  KAFKA_PORT: 19092,
  KAFKA_CONTROLLER_PORT: 19093,
  SCHEMA_REGISTRY_PORT: 18081,
  SCHEMA_REGISTRY_MANAGEMENT_PORT: 18082,
  POSTGRES_PORT: 15432,
} as const;

export type PortEnvVar = keyof typeof DEFAULT_PORTS;

/** Postgres role and password of the embedded server (loopback only, dev and test data). */
export const POSTGRES_USER = 'postgres';
export const DEFAULT_POSTGRES_PASSWORD = 'allo-local';

/** Options every stack command takes. */
export interface StackOptions {
  /** Where pids, logs and data live; default env STACK_STATE_DIR, else `<repo>/.stack`. */
  readonly stateDir?: string;
  /** Environment to read ports, DATABASE_URL and cache folder from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Services to act on; default all. */
  readonly services?: readonly ServiceName[];
  /** Receives one human-readable line per step; default silent. */
  readonly onProgress?: (line: string) => void;
  /**
   * Kafka brokers to run (`--brokers`): default the count the state folder's Kafka data was made
   * for, else 1. A count other than the data's is a StackConfigError (the log would not fit).
   */
  readonly brokers?: BrokerCount;
}

/** Everything the stack needs to know, read once from options and environment. */
export interface StackConfig {
  readonly stateDir: string;
  readonly cacheDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ports: Readonly<Record<PortEnvVar, number>>;
  /** Kafka nodes (each a combined broker+controller): 1, or 3 for a cluster. */
  readonly kafkaBrokers: BrokerCount;
  readonly postgresPassword: string;
  readonly externalDatabaseUrl: string | undefined;
  readonly progress: (line: string) => void;
}

/** The repository root (infra/src or infra/dist sit two levels below it). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * `<repo>/.stack`, except as root in a checkout other users cannot enter (e.g. under /root):
 * the embedded Postgres runs as `postgres` and must reach its data, so state goes to /var/tmp.
 */
function defaultStateDir(): string {
  const root = repoRoot();
  if (userInfo().uid !== 0 || othersCanEnter(root)) return join(root, '.stack');
  return join(
    '/var/tmp',
    `allo-pipeline-stack-${createHash('sha256').update(root).digest('hex').slice(0, 10)}`,
  );
}

function othersCanEnter(path: string): boolean {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * Reads the stack configuration; throws StackConfigError on a malformed port or a broker count
 * the state folder's Kafka data was not made for.
 */
export function readStackConfig(options: StackOptions = {}): StackConfig {
  const env = options.env ?? process.env;
  const stateDir = resolve(options.stateDir ?? env.STACK_STATE_DIR ?? defaultStateDir());
  const cacheDir = resolve(env.ALLO_CACHE_DIR ?? join(homedir(), '.cache', 'allo-pipeline'));
  const ports = Object.fromEntries(
    (Object.keys(DEFAULT_PORTS) as PortEnvVar[]).map((name) => [name, readPort(env, name)]),
  ) as Record<PortEnvVar, number>;
  const kafkaBrokers = chooseBrokerCount(
    options.brokers,
    recordedBrokerCount(serviceHome(stateDir, 'kafka')),
    stateDir,
  );
  return {
    stateDir,
    cacheDir,
    env,
    ports,
    kafkaBrokers,
    postgresPassword: env.POSTGRES_PASSWORD ?? DEFAULT_POSTGRES_PASSWORD,
    externalDatabaseUrl: readExternalDatabaseUrl(env),
    progress: options.onProgress ?? (() => undefined),
  };
}

/**
 * DATABASE_URL, or the URL in the file DATABASE_URL_FILE names (as every service reads it, see
 * packages/service-config): a password in the URL stays out of the environment. Never both.
 */
function readExternalDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.DATABASE_URL_FILE?.trim();
  if (!file) return env.DATABASE_URL || undefined;
  if (env.DATABASE_URL) throw new StackConfigError('set only one of DATABASE_URL and DATABASE_URL_FILE');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    throw new StackConfigError(
      `DATABASE_URL_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

function readPort(env: NodeJS.ProcessEnv, name: PortEnvVar): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return DEFAULT_PORTS[name];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StackConfigError(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return port;
}
