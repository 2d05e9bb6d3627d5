import { ConfigError } from './config-error.js';
import { readOptional, type Env } from './env-values.js';

/** pino's levels; LOG_LEVEL must be one of them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL, `fallback` when unset; anything else is a ConfigError naming LOG_LEVEL. */
export function parseLogLevel(env: Env, fallback: LogLevel = 'info'): LogLevel {
  const raw = readOptional(env, 'LOG_LEVEL')?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(raw))
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return raw as LogLevel;
}

/**
 * The level for the logger a service creates before it parses its config: a wrong LOG_LEVEL
 * falls back here, so that the config error naming it can still be logged.
 */
export function startupLogLevel(env: Env, fallback: LogLevel = 'info'): LogLevel {
  try {
    return parseLogLevel(env, fallback);
  } catch {
    return fallback;
  }
}
