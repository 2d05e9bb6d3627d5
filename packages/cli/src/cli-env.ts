import { DEFAULT_RAW_TOPIC } from '@allo-pipeline/raw-webhook-record';

/** A missing environment variable that the local stack cannot stand in for; main prints it and exits 2. */
export class CliEnvError extends Error {
  constructor(readonly variable: string) {
    super(
      `${variable} is not set (export the endpoints of the running stack, e.g. from "npm run stack -- up")`,
    );
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
  schemaRegistryUrl(): string;
}

/**
 * Reads the environment lazily: each command asks only for what it uses. An endpoint left unset
 * defaults to the local stack's (so that `npm run cli -- status` works beside `npm start` with
 * nothing exported); without a local stack, a missing variable is a CliEnvError naming it.
 */
export function readCliEnv(env: NodeJS.ProcessEnv, localStack?: () => LocalStack): CliEnv {
  const local = localStack ? once(localStack) : undefined;
  const value = (name: string, fallback: (stack: LocalStack) => string): string => {
    const given = env[name]?.trim();
    if (given) return given;
    if (!local) throw new CliEnvError(name);
    return fallback(local());
  };
  return {
    databaseUrl: value('DATABASE_URL', (s) => s.databaseUrl),
    rawTopic: env.RAW_TOPIC || DEFAULT_RAW_TOPIC,
    stateDir: local?.().stateDir,
    kafkaBrokers: () =>
      value('KAFKA_BROKERS', (s) => s.kafkaBrokers)
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    schemaRegistryUrl: () => value('SCHEMA_REGISTRY_URL', (s) => s.schemaRegistryUrl),
  };
}

function once<T>(compute: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: compute() }).value;
}
