import { DEFAULT_RAW_TOPIC } from '@allo-pipeline/raw-webhook-record';

/** A missing environment variable; main prints it and exits 2. */
export class CliEnvError extends Error {
  constructor(readonly variable: string) {
    super(
      `${variable} is not set (export the endpoints of the running stack, e.g. from "npm run stack -- status")`,
    );
    this.name = 'CliEnvError';
  }
}

export interface CliEnv {
  readonly databaseUrl: string;
  readonly rawTopic: string;
  kafkaBrokers(): string[];
  schemaRegistryUrl(): string;
}

/** Reads the environment lazily: each command asks only for what it uses. */
export function readCliEnv(env: NodeJS.ProcessEnv): CliEnv {
  return {
    databaseUrl: required(env, 'DATABASE_URL'),
    rawTopic: env.RAW_TOPIC || DEFAULT_RAW_TOPIC,
    kafkaBrokers: () =>
      required(env, 'KAFKA_BROKERS')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    schemaRegistryUrl: () => required(env, 'SCHEMA_REGISTRY_URL'),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new CliEnvError(name);
  return value;
}
