import {
  asServiceConfigError,
  ConfigError,
  parseDatabaseUrl,
  parseLogLevel,
  parseOptionalKafkaSettings,
  parseRawTopicName,
  readInt,
  readSecret,
  secretVariable,
  type KafkaSettings,
  type LogLevel,
} from '@allo-pipeline/service-config';

/** A configuration problem found at start-up; the message names the variable. */
export class QueryApiConfigError extends ConfigError {
  constructor(variable: string, problem: string) {
    super(variable, problem);
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
  readonly kafka: KafkaSettings | null;
  readonly rawTopic: string;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
}

/** Parses the query API's environment once; throws QueryApiConfigError naming the variable. */
export function parseQueryApiConfig(env: NodeJS.ProcessEnv): QueryApiConfig {
  return asServiceConfigError(
    (variable, problem) => new QueryApiConfigError(variable, problem),
    () => read(env),
  );
}

function read(env: NodeJS.ProcessEnv): QueryApiConfig {
  return {
    port: readInt(env, 'API_PORT', 8090, 0, 65535),
    host: env.API_HOST?.trim() || '127.0.0.1',
    databaseUrl: parseDatabaseUrl(env),
    tokens: readTokens(env),
    kafka: parseOptionalKafkaSettings(env),
    rawTopic: parseRawTopicName(env),
    logLevel: parseLogLevel(env),
    shutdownTimeoutMs: readInt(env, 'API_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
  };
}

/**
 * API_TOKENS (comma-separated) or API_TOKENS_FILE (one token per line, or comma-separated; blank
 * lines and lines starting with # are skipped, so a file can note which token is whose).
 */
function readTokens(env: NodeJS.ProcessEnv): string[] {
  const variable = secretVariable(env, 'API_TOKENS') ?? 'API_TOKENS';
  const tokens = (readSecret(env, 'API_TOKENS') ?? '')
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((token) => token.trim())
    .filter(Boolean);
  if (tokens.length === 0) {
    throw new QueryApiConfigError(
      variable,
      variable === 'API_TOKENS_FILE'
        ? `${env.API_TOKENS_FILE?.trim()} holds no token: give one bearer token per line`
        : 'not set: give one or more comma-separated bearer tokens for /v1 (e.g. from `openssl rand -hex 32`), or API_TOKENS_FILE',
    );
  }
  // The position, never the token itself, goes into the message.
  const bad = tokens.findIndex((token) => !/^[\x21-\x7e]+$/.test(token));
  if (bad >= 0) {
    throw new QueryApiConfigError(variable, `token #${bad + 1} contains spaces or non-ASCII characters`);
  }
  return tokens;
}
