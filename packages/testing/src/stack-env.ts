/** The three endpoints every integration test and service reads from the environment. */
export interface StackEnv {
  readonly KAFKA_BROKERS: string;
  readonly SCHEMA_REGISTRY_URL: string;
  readonly DATABASE_URL: string;
}

/** Reads the stack endpoints that the jest global setup exported; throws naming what is missing. */
export function readStackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  const missing = (['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const).filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: integration tests must run through the 'integration' jest project, whose global setup starts or reuses the stack`,
    );
  }
  return {
    KAFKA_BROKERS: env.KAFKA_BROKERS!,
    SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL!,
    DATABASE_URL: env.DATABASE_URL!,
  };
}
