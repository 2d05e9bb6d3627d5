import { ConfigError } from './config-error.js';
import { readSecret, type Env } from './env-values.js';

/**
 * DATABASE_URL, or DATABASE_URL_FILE when the URL carries a password. Without a password in the
 * URL, node-postgres takes it from PGPASSFILE (or ~/.pgpass), and TLS from `sslmode=` in the URL
 * or PGSSLMODE: both are pg's own, read when a connection opens, so nothing is parsed here.
 */
export function parseDatabaseUrl(env: Env): string {
  const url = readSecret(env, 'DATABASE_URL')?.trim();
  if (!url) throw new ConfigError('DATABASE_URL', 'not set (or give DATABASE_URL_FILE)');
  return url;
}

/** SCHEMA_REGISTRY_URL (required). */
export function parseSchemaRegistryUrl(env: Env): string {
  const url = env.SCHEMA_REGISTRY_URL?.trim();
  if (!url) throw new ConfigError('SCHEMA_REGISTRY_URL', 'not set');
  return url;
}
