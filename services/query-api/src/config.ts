import { DEFAULT_RAW_TOPIC } from '@allo-pipeline/raw-webhook-record';

/** A configuration problem found at start-up; the message names the variable. */
export class QueryApiConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'QueryApiConfigError';
  }
}

export interface QueryApiConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** Bearer tokens accepted on /v1 (rotation: several at once). */
  readonly tokens: readonly string[];
  /** Null when KAFKA_BROKERS is unset: /v1/projections then reports lag as null. */
  readonly kafkaBrokers: string[] | null;
  readonly rawTopic: string;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
}

/** Parses the query API's environment once; throws QueryApiConfigError naming the variable. */
export function parseQueryApiConfig(env: NodeJS.ProcessEnv): QueryApiConfig {
  return {
    port: readInt(env, 'API_PORT', 8090, 0, 65535),
    host: env.API_HOST?.trim() || '127.0.0.1',
    databaseUrl: required(env, 'DATABASE_URL'),
    tokens: readTokens(env),
    kafkaBrokers: readBrokers(env),
    rawTopic: env.RAW_TOPIC?.trim() || DEFAULT_RAW_TOPIC,
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    shutdownTimeoutMs: readInt(env, 'API_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
  };
}

function readTokens(env: NodeJS.ProcessEnv): string[] {
  const tokens = (env.API_TOKENS ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  if (tokens.length === 0) {
    throw new QueryApiConfigError(
      'API_TOKENS',
      'not set: give one or more comma-separated bearer tokens for /v1 (e.g. from `openssl rand -hex 32`)',
    );
  }
  // The position, never the token itself, goes into the message.
  const bad = tokens.findIndex((token) => !/^[\x21-\x7e]+$/.test(token));
  if (bad >= 0) {
    throw new QueryApiConfigError('API_TOKENS', `token #${bad + 1} contains spaces or non-ASCII characters`);
  }
  return tokens;
}

function readBrokers(env: NodeJS.ProcessEnv): string[] | null {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  return brokers.length > 0 ? brokers : null;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new QueryApiConfigError(name, 'not set');
  return value;
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new QueryApiConfigError(name, `expected an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}
