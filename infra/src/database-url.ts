import { StackConfigError } from './stack-errors.js';

// Pure helpers for `postgres://` URLs: no I/O, so they are unit-tested directly.

/** The schema of the read-model database that holds the schema registry's tables. */
export const REGISTRY_SCHEMA = 'apicurio_registry';

/** What a JDBC client (the registry) needs: the URL, and the credentials apart from it. */
export interface JdbcDataSource {
  readonly url: string;
  readonly username: string;
  /** Never put on a command line (argv is visible in ps): pass it through the environment. */
  readonly password: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parsePostgresUrl(databaseUrl: string, source: string): URL {
  const hint = `${source} must look like postgres://user:password@host:port/database`;
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Not echoed: the value may hold a password.
    throw new StackConfigError(`${source} is not a URL; ${hint}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StackConfigError(`${source} has the scheme '${url.protocol}'; ${hint}`);
  }
  if (!url.hostname) throw new StackConfigError(`${source} names no host; ${hint}`);
  return url;
}

/**
 * The JDBC data source for `postgres://user:pass@host:port/db?sslmode=...`, with `currentSchema`
 * set to `schema`. Keeps host, port (default 5432), database (default: the user name, as libpq
 * does) and sslmode; user and password come back URL-decoded, apart from the URL. Throws
 * StackConfigError naming `source` (never echoing the value) for a URL that is not postgres:// or
 * names no user.
 */
export function toJdbcDataSource(
  databaseUrl: string,
  schema: string,
  source = 'DATABASE_URL',
): JdbcDataSource {
  const url = parsePostgresUrl(databaseUrl, source);
  const username = decodeURIComponent(url.username);
  if (!username) {
    throw new StackConfigError(
      `${source} names no user; the schema registry needs one: postgres://user:password@host:port/database`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || username;
  const params = [`currentSchema=${encodeURIComponent(schema)}`];
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) params.push(`sslmode=${encodeURIComponent(sslmode)}`);
  const port = url.port || '5432';
  return {
    url: `jdbc:postgresql://${url.hostname}:${port}/${encodeURIComponent(database)}?${params.join('&')}`,
    username,
    password: decodeURIComponent(url.password),
  };
}

/** `host:port/database` of a postgres URL: what messages name (no user, no password). */
export function describeDatabaseUrl(databaseUrl: string, source = 'DATABASE_URL'): string {
  const url = parsePostgresUrl(databaseUrl, source);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
  return `${url.hostname}:${url.port || '5432'}/${database}`;
}

/** Whether the URL points at this machine's loopback on `port` (where the embedded server listens). */
export function namesLoopbackPort(databaseUrl: string, port: number): boolean {
  const url = parsePostgresUrl(databaseUrl, 'DATABASE_URL');
  return LOOPBACK_HOSTS.has(url.hostname) && Number(url.port || '5432') === port;
}

/** Host and port to probe for a postgres URL. */
export function databaseAddress(databaseUrl: string): { host: string; port: number } {
  const url = parsePostgresUrl(databaseUrl, 'DATABASE_URL');
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || '5432') };
}
