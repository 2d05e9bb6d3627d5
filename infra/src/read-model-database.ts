import pg from 'pg';
import { describeDatabaseUrl, namesLoopbackPort, REGISTRY_SCHEMA } from './database-url.js';
import { embeddedDatabaseUrl } from './postgres-service.js';
import { isOurProcess, isPortAnswering } from './process-control.js';
import type { StackConfig } from './stack-config.js';
import { DatabaseUnreachableError, StackError } from './stack-errors.js';
import { readServiceRecord } from './state-store.js';

// The read-model database: where the projectors' tables and the schema registry's tables
// (schema apicurio_registry) live. DATABASE_URL, when set, is that database, strictly: an
// unreachable one is an error, never a reason to start the embedded server instead.

/** The read-model database and whether the stack runs its server ('embedded') or not ('external'). */
export interface ReadModelDatabase {
  readonly kind: 'embedded' | 'external';
  /** Connection URL (with its password: never print it). */
  readonly url: string;
}

/** DATABASE_URL when set, else the embedded server's `postgres` database. */
export function readModelDatabaseUrl(config: StackConfig): string {
  return config.externalDatabaseUrl ?? embeddedDatabaseUrl(config);
}

/**
 * Whose server holds the read models. No DATABASE_URL: the embedded one. A DATABASE_URL naming
 * loopback on POSTGRES_PORT (e.g. the lines `up` printed, exported) is the embedded server too,
 * unless a server we did not start answers there. Any other DATABASE_URL is external.
 */
export async function resolveReadModelDatabase(config: StackConfig): Promise<ReadModelDatabase> {
  const url = readModelDatabaseUrl(config);
  if (!config.externalDatabaseUrl) return { kind: 'embedded', url };
  if (!namesLoopbackPort(url, config.ports.POSTGRES_PORT)) return { kind: 'external', url };
  const own = readServiceRecord(config.stateDir, 'postgres');
  if (own && isOurProcess(own.pid, own.marker)) return { kind: 'embedded', url };
  return { kind: (await isPortAnswering(config.ports.POSTGRES_PORT)) ? 'external' : 'embedded', url };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Resolves when the DATABASE_URL server accepts a query; else throws DatabaseUnreachableError. */
export async function assertDatabaseAnswers(url: string): Promise<void> {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
  } catch (error) {
    throw new DatabaseUnreachableError(describeDatabaseUrl(url), (error as Error).message);
  }
}

/**
 * Creates the registry's schema unless it exists (the registry creates its tables in it on its
 * first start). Throws StackError naming the database and how to fix permissions.
 */
export async function ensureRegistrySchema(url: string): Promise<void> {
  try {
    await withClient(url, (client) => client.query(`CREATE SCHEMA IF NOT EXISTS ${REGISTRY_SCHEMA}`));
  } catch (error) {
    throw new StackError(
      `registry: could not create the schema ${REGISTRY_SCHEMA} in ${describeDatabaseUrl(url)} for its ` +
        `storage: ${(error as Error).message}. Create it as a user who may (CREATE SCHEMA ${REGISTRY_SCHEMA}), ` +
        `or grant CREATE on that database to the DATABASE_URL user.`,
    );
  }
}

/** Bytes of the registry's tables (with indexes), or undefined when the database does not answer. */
export async function registrySchemaBytes(url: string): Promise<number | undefined> {
  try {
    const { rows } = await withClient(url, (client) =>
      client.query<{ bytes: string | null }>(
        `SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
        [REGISTRY_SCHEMA],
      ),
    );
    return Number(rows[0]?.bytes ?? 0);
  } catch {
    return undefined;
  }
}

/** Deletes the registry's schema and everything in it (every registered schema and its id). */
export async function dropRegistrySchema(url: string): Promise<void> {
  await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${REGISTRY_SCHEMA} CASCADE`));
}
