import {
  asServiceConfigError,
  ConfigError,
  parseDatabaseUrl,
  parseKafkaSettings,
  parseRawTopicName,
  parseSchemaRegistryUrl,
  type KafkaSettings,
} from '@allo-pipeline/service-config';

/**
 * A missing environment variable that the local stack cannot stand in for, or a bad one (e.g. a
 * SASL setting); main prints it and exits 2.
 */
export class CliEnvError extends ConfigError {
  constructor(variable: string, problem?: string) {
    super(
      variable,
      problem ?? 'not set (export the endpoints of the running stack, e.g. from "npm run stack -- up")',
    );
    // The historical wording: "DATABASE_URL is not set (…)".
    if (problem === undefined) this.message = `${variable} is ${this.problem}`;
    this.name = 'CliEnvError';
  }
}

/** Where the local stack (`npm start`, `npm run stack -- up`) listens, for what the environment leaves unset. */
export interface LocalStack {
  readonly stateDir: string;
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
}

export interface CliEnv {
  readonly databaseUrl: string;
  readonly rawTopic: string;
  /** The local stack's state folder, when the CLI talks to the local stack (for the services' state). */
  readonly stateDir: string | undefined;
  kafkaBrokers(): string[];
  /** Brokers plus the TLS/SASL settings (KAFKA_SSL*, KAFKA_SASL_*), as every service reads them. */
  kafka(): KafkaSettings;
  schemaRegistryUrl(): string;
}

/**
 * Reads the environment lazily: each command asks only for what it uses. An endpoint left unset
 * defaults to the local stack's (so that `npm run cli -- status` works beside `npm start` with
 * nothing exported); without a local stack, a missing variable is a CliEnvError naming it.
 */
export function readCliEnv(env: NodeJS.ProcessEnv, localStack?: () => LocalStack): CliEnv {
  const local = localStack ? once(localStack) : undefined;
  const given = (name: string): boolean =>
    name === 'DATABASE_URL'
      ? Boolean(env.DATABASE_URL?.trim() || env.DATABASE_URL_FILE?.trim())
      : Boolean(env[name]?.trim());
  // The local stack's endpoint stands in for what is unset; the shared parsers read the result.
  const withFallback = (name: string, fallback: (stack: LocalStack) => string): NodeJS.ProcessEnv => {
    if (given(name)) return env;
    if (!local) throw new CliEnvError(name);
    return { ...env, [name]: fallback(local()) };
  };
  const kafka = once(() =>
    asCliError(() => parseKafkaSettings(withFallback('KAFKA_BROKERS', (s) => s.kafkaBrokers))),
  );
  return {
    databaseUrl: asCliError(() => parseDatabaseUrl(withFallback('DATABASE_URL', (s) => s.databaseUrl))),
    rawTopic: parseRawTopicName(env),
    stateDir: local?.().stateDir,
    kafkaBrokers: () => [...kafka().brokers],
    kafka,
    schemaRegistryUrl: () =>
      asCliError(() =>
        parseSchemaRegistryUrl(withFallback('SCHEMA_REGISTRY_URL', (s) => s.schemaRegistryUrl)),
      ),
  };
}

/** A shared parser's ConfigError as a CliEnvError, which main prints and exits 2 on. */
function asCliError<T>(read: () => T): T {
  return asServiceConfigError((variable, problem) => new CliEnvError(variable, problem), read);
}

function once<T>(compute: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: compute() }).value;
}
