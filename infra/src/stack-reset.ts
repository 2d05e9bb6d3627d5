import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeDatabaseUrl, REGISTRY_SCHEMA } from './database-url.js';
import { postgresPaths } from './postgres-service.js';
import { isOurProcess } from './process-control.js';
import { dropRegistrySchema, registrySchemaBytes, resolveReadModelDatabase } from './read-model-database.js';
import type { ReadModelDatabase } from './read-model-database.js';
import { formatResetListing, resetWarnings } from './reset-listing.js';
import type { ResetEffects, ResetItem } from './reset-listing.js';
import { RUNTIMES, runtimesOf, stopServices } from './runtimes.js';
import { unitOf } from './service-runtime.js';
import { ensureServiceUp } from './service-lifecycle.js';
import { ALL_SERVICES, readStackConfig } from './stack-config.js';
import type { ServiceName, StackConfig, StackOptions } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { readServiceRecord, serviceHome } from './state-store.js';
import { readSupervisorState } from './supervisor-state.js';

// `npm run stack -- reset`: the only thing in the stack that deletes data. It lists exactly what
// goes, asks, stops our servers that use it, then deletes. A DATABASE_URL server is never touched.

export interface StackResetOptions extends StackOptions {
  /**
   * Shown the listing of what will be deleted; resolves true to go ahead. Not called when there is
   * nothing to delete. Nothing is stopped or deleted before it resolves true.
   */
  readonly confirm: (listing: string) => Promise<boolean>;
}

export interface StackResetResult {
  readonly listing: string;
  readonly outcome: 'nothing-to-delete' | 'declined' | 'deleted';
  readonly stopped: ServiceName[];
  /** Paths deleted (and `schema apicurio_registry in …` when only the registry was reset). */
  readonly deleted: string[];
}

/** Development credentials `npm start` keeps in the state folder; only a whole reset deletes them. */
const CREDENTIAL_FILES = ['dev-webhook-secret', 'dev-api-token'];

/** A piece of the reset: what it lists, stops, deletes. */
interface ResetWork {
  readonly deletions: ResetItem[];
  readonly kept: string[];
  readonly stop: ServiceName[];
  readonly paths: string[];
  readonly dropSchemaIn?: string;
}

interface Scope {
  readonly services: readonly ServiceName[];
  /** No service named: the whole stack, credentials and logs included. */
  readonly whole: boolean;
}

/**
 * Deletes the data of the requested services (default: the whole stack, with the development
 * credentials, logs and records). Lists it first (each path with its size and what is lost),
 * passes the listing to `confirm`, and only if that resolves true stops the servers of ours that
 * use the data and deletes it. Never touches a DATABASE_URL server (the listing says so).
 * Throws StackError, before listing anything, while `npm start` runs on this state folder (its
 * services would lose their servers mid-run), and StackError subclasses when a server cannot be
 * stopped or started (for a schema drop).
 */
export async function stackReset(options: StackResetOptions): Promise<StackResetResult> {
  const config = readStackConfig(options);
  assertNoSupervisor(config);
  const scope: Scope = { services: options.services ?? ALL_SERVICES, whole: options.services === undefined };
  const database = await resolveReadModelDatabase(config);
  const work = merge(await planServices(config, scope, database), planStateFolder(config, scope));
  const stops = work.stop.flatMap((service) =>
    runtimesOf(service, config).flatMap((runtime) => {
      const record = readServiceRecord(config.stateDir, unitOf(runtime, config));
      return record && isOurProcess(record.pid, record.marker) ? [{ service, pid: record.pid }] : [];
    }),
  );
  const warnings = resetWarnings(effects(config, scope, database));
  const listing = formatResetListing({ stateDir: config.stateDir, stops, warnings, ...work });
  if (work.deletions.length === 0) return { listing, outcome: 'nothing-to-delete', stopped: [], deleted: [] };
  if (!(await options.confirm(listing))) return { listing, outcome: 'declined', stopped: [], deleted: [] };
  const stopped = await stopServices(config, work.stop);
  const deleted: string[] = [];
  if (work.dropSchemaIn) deleted.push(await dropSchemaOnEmbedded(config, work.dropSchemaIn));
  for (const path of work.paths) {
    rmSync(path, { recursive: true, force: true });
    config.progress(`deleted ${path}`);
    deleted.push(path);
  }
  return { listing, outcome: 'deleted', stopped, deleted };
}

/** `npm start`'s services would lose their servers mid-run: reset waits until it has stopped. */
function assertNoSupervisor(config: StackConfig): void {
  const supervisor = readSupervisorState(config.stateDir);
  if (!supervisor) return;
  throw new StackError(
    `npm start (pid ${supervisor.pid}) runs on this stack (state folder ${config.stateDir}): stop it ` +
      `first (Ctrl-C, or kill -TERM ${supervisor.pid}), then reset. Nothing was deleted.`,
  );
}

function merge(...parts: ResetWork[]): ResetWork {
  const dropSchemaIn = parts.find((part) => part.dropSchemaIn !== undefined)?.dropSchemaIn;
  return {
    deletions: parts.flatMap((part) => part.deletions),
    kept: parts.flatMap((part) => part.kept),
    stop: ALL_SERVICES.filter((service) => parts.some((part) => part.stop.includes(service))),
    paths: parts.flatMap((part) => part.paths),
    ...(dropSchemaIn === undefined ? {} : { dropSchemaIn }),
  };
}

const NOTHING: ResetWork = { deletions: [], kept: [], stop: [], paths: [] };

/**
 * Bytes a path takes on disk, as du counts them (Kafka preallocates sparse 10 MB index files, so
 * apparent sizes would overstate it); links are not followed, unreadable entries count 0.
 */
function pathBytes(path: string): number {
  try {
    const stat = lstatSync(path);
    if (!stat.isDirectory()) return stat.blocks > 0 ? stat.blocks * 512 : stat.size;
    return readdirSync(path).reduce((sum, name) => sum + pathBytes(join(path, name)), 0);
  } catch {
    return 0;
  }
}

/** A folder or file of the state folder as a deletion, or nothing when it does not exist. */
function deletePath(label: string, path: string, contents: string, meaning: string): ResetWork {
  if (!existsSync(path)) return NOTHING;
  return {
    ...NOTHING,
    deletions: [{ label, target: path, contents, bytes: pathBytes(path), meaning }],
    paths: [path],
  };
}

async function planServices(
  config: StackConfig,
  scope: Scope,
  database: ReadModelDatabase,
): Promise<ResetWork> {
  const has = (service: ServiceName): boolean => scope.services.includes(service);
  const kafka = has('kafka')
    ? deletePath(
        'kafka',
        serviceHome(config.stateDir, 'kafka'),
        '(data, cluster id)',
        'the raw log: every stored webhook',
      )
    : NOTHING;
  const postgres = has('postgres') ? planPostgres(config, database) : NOTHING;
  const registry = has('registry') || has('postgres') ? await planRegistry(config, scope, database) : NOTHING;
  return merge({ ...kafka, stop: has('kafka') ? ['kafka'] : [] }, postgres, registry);
}

function planPostgres(config: StackConfig, database: ReadModelDatabase): ResetWork {
  const home = serviceHome(config.stateDir, 'postgres');
  if (database.kind === 'embedded') {
    const meaning = `the read models, and the registry's schemas (schema ${REGISTRY_SCHEMA})`;
    return { ...deletePath('postgres', home, '(data, password)', meaning), stop: ['registry', 'postgres'] };
  }
  const unused = deletePath(
    'postgres',
    home,
    '(data, password)',
    "the embedded server's data, unused while DATABASE_URL names another server",
  );
  const kept =
    `postgres: the DATABASE_URL server (${describeDatabaseUrl(database.url)}) is never touched by reset; ` +
    `the read models and the registry's schemas there stay`;
  return { ...unused, kept: [kept], stop: unused.paths.length > 0 ? ['postgres'] : [] };
}

/** The registry's schemas: with the postgres data, dropped from the embedded database, or (external) kept. */
async function planRegistry(
  config: StackConfig,
  scope: Scope,
  database: ReadModelDatabase,
): Promise<ResetWork> {
  const home = serviceHome(config.stateDir, 'registry');
  if (database.kind === 'external') {
    if (!scope.services.includes('registry')) return NOTHING;
    const place = `schema ${REGISTRY_SCHEMA} of ${describeDatabaseUrl(database.url)}`;
    return {
      ...NOTHING,
      kept: [`registry: its schemas are in the DATABASE_URL server (${place}), never touched by reset`],
    };
  }
  const record = deletePath(
    'registry',
    home,
    '(version record)',
    `which registry version last ran on its schemas`,
  );
  if (scope.services.includes('postgres')) return { ...record, stop: ['registry'] };
  if (!existsSync(postgresPaths(config).dataDir)) return { ...record, stop: ['registry'] };
  const bytes = await registrySchemaBytes(database.url);
  const schema: ResetItem = {
    label: 'registry',
    target: `schema ${REGISTRY_SCHEMA} in ${describeDatabaseUrl(database.url)}`,
    contents: '(tables)',
    bytes,
    meaning:
      'every registered schema and its id' +
      (bytes === undefined ? ' (postgres is not running: it is started briefly to drop the schema)' : ''),
  };
  return {
    ...record,
    deletions: [schema, ...record.deletions],
    stop: ['registry'],
    dropSchemaIn: database.url,
  };
}

/** A whole reset also deletes the credentials, logs and records; other entries are left alone. */
function planStateFolder(config: StackConfig, scope: Scope): ResetWork {
  const file = (name: string): string => join(config.stateDir, name);
  const credentials = CREDENTIAL_FILES.filter((name) => existsSync(file(name)));
  if (!scope.whole) {
    if (credentials.length === 0) return NOTHING;
    const kept = `credentials: ${credentials.map(file).join(', ')} (only a reset of the whole stack deletes them)`;
    return { ...NOTHING, kept: [kept] };
  }
  const known = new Set([...ALL_SERVICES, ...CREDENTIAL_FILES, 'logs', 'pids']);
  const others = existsSync(config.stateDir)
    ? readdirSync(config.stateDir).filter((name) => !known.has(name))
    : [];
  return merge(
    ...credentials.map((name) =>
      deletePath(
        'credentials',
        file(name),
        '(development credential)',
        'npm start generates a new one: update the simulator and the dashboard',
      ),
    ),
    deletePath('logs', file('logs'), '(server logs)', "the servers' logs"),
    deletePath('pids', file('pids'), '(server records)', 'which servers run (rewritten by up)'),
    others.length > 0
      ? { ...NOTHING, kept: [`other entries, left alone: ${others.map(file).join(', ')}`] }
      : NOTHING,
  );
}

function effects(config: StackConfig, scope: Scope, database: ReadModelDatabase): ResetEffects {
  const has = (service: ServiceName): boolean => scope.services.includes(service);
  const kafkaHome = serviceHome(config.stateDir, 'kafka');
  // A single broker's log is kafka/data; a cluster's, kafka/node-<id>/data.
  const kafkaData = existsSync(join(kafkaHome, 'data')) || existsSync(join(kafkaHome, 'node-1', 'data'));
  const embeddedData = existsSync(postgresPaths(config).dataDir);
  const external = database.kind === 'external';
  const state = (exists: boolean, deleted: boolean): 'deleted' | 'kept' | 'absent' =>
    !exists ? 'absent' : deleted ? 'deleted' : 'kept';
  return {
    kafkaLog: state(kafkaData, has('kafka')),
    readModels: state(external || embeddedData, !external && has('postgres')),
    registrySchemas: state(external || embeddedData, !external && (has('postgres') || has('registry'))),
  };
}

/** Drops the registry's schema on the embedded server, starting it for that if it is down. */
async function dropSchemaOnEmbedded(config: StackConfig, url: string): Promise<string> {
  const outcome = await ensureServiceUp(RUNTIMES.postgres, config);
  try {
    await dropRegistrySchema(url);
  } finally {
    if (outcome === 'started') await stopServices(config, ['postgres']);
  }
  const target = `schema ${REGISTRY_SCHEMA} in ${describeDatabaseUrl(url)}`;
  config.progress(`deleted ${target}`);
  return target;
}
