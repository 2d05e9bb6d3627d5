import type { ConnectionOptions } from 'node:tls';
import { Kafka, type KafkaConfig, type logCreator, type logLevel, type SASLOptions } from 'kafkajs';
import { ConfigError } from './config-error.js';
import { readBoolean, readFileText, readList, readOptional, readSecret, type Env } from './env-values.js';

/** How to reach Kafka: brokers, and TLS and SASL for a cluster that requires them. */
export interface KafkaSettings {
  readonly brokers: readonly string[];
  /** KAFKA_CLIENT_ID: replaces the service's own client id (for broker quotas and ACLs by client). */
  readonly clientId: string | undefined;
  /** false for plaintext; otherwise the TLS options (files already read). */
  readonly ssl: false | ConnectionOptions;
  readonly sasl: SASLOptions | undefined;
}

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Parses KAFKA_BROKERS (required) and the TLS and SASL variables; errors name the variable. */
export function parseKafkaSettings(env: Env): KafkaSettings {
  const brokers = readList(env, 'KAFKA_BROKERS');
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS', 'not set');
  return {
    brokers,
    clientId: readOptional(env, 'KAFKA_CLIENT_ID'),
    ssl: readTls(env),
    sasl: readSasl(env),
  };
}

/** As parseKafkaSettings, but null when KAFKA_BROKERS is unset (a service that can run without Kafka). */
export function parseOptionalKafkaSettings(env: Env): KafkaSettings | null {
  return readList(env, 'KAFKA_BROKERS').length > 0 ? parseKafkaSettings(env) : null;
}

const TLS_FILES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;

function readTls(env: Env): KafkaSettings['ssl'] {
  const given = TLS_FILES.filter((name) => readOptional(env, name) !== undefined);
  // A CA or client certificate implies TLS; KAFKA_SSL=true alone uses the system's CAs.
  const enabled = readBoolean(env, 'KAFKA_SSL', given.length > 0);
  const rejectGiven = readOptional(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED') !== undefined;
  const rejectUnauthorized = readBoolean(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED', true);
  if (!enabled) {
    const stray = given[0] ?? (rejectGiven ? 'KAFKA_SSL_REJECT_UNAUTHORIZED' : undefined);
    if (stray) throw new ConfigError(stray, 'is set but KAFKA_SSL=false; remove it or set KAFKA_SSL=true');
    return false;
  }
  const cert = readOptional(env, 'KAFKA_SSL_CERT_FILE');
  const key = readOptional(env, 'KAFKA_SSL_KEY_FILE');
  if (cert && !key)
    throw new ConfigError('KAFKA_SSL_KEY_FILE', 'must be set together with KAFKA_SSL_CERT_FILE');
  if (key && !cert)
    throw new ConfigError('KAFKA_SSL_CERT_FILE', 'must be set together with KAFKA_SSL_KEY_FILE');
  const ca = readOptional(env, 'KAFKA_SSL_CA_FILE');
  return {
    rejectUnauthorized,
    ...(ca ? { ca: [readFileText(ca, 'KAFKA_SSL_CA_FILE')] } : {}),
    ...(cert && key
      ? { cert: readFileText(cert, 'KAFKA_SSL_CERT_FILE'), key: readFileText(key, 'KAFKA_SSL_KEY_FILE') }
      : {}),
  };
}

function readSasl(env: Env): SASLOptions | undefined {
  const mechanism = readOptional(env, 'KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = readOptional(env, 'KAFKA_SASL_USERNAME');
  const password = readSecret(env, 'KAFKA_SASL_PASSWORD');
  if (mechanism === undefined) {
    if (username !== undefined)
      throw new ConfigError(
        'KAFKA_SASL_MECHANISM',
        `not set, but KAFKA_SASL_USERNAME is (one of ${SASL_MECHANISMS.join(', ')})`,
      );
    if (password !== undefined)
      throw new ConfigError(
        'KAFKA_SASL_MECHANISM',
        `not set, but a SASL password is (one of ${SASL_MECHANISMS.join(', ')})`,
      );
    return undefined;
  }
  if (!isMechanism(mechanism))
    throw new ConfigError(
      'KAFKA_SASL_MECHANISM',
      `expected one of ${SASL_MECHANISMS.join(', ')}, got "${env.KAFKA_SASL_MECHANISM?.trim()}"`,
    );
  if (username === undefined)
    throw new ConfigError('KAFKA_SASL_USERNAME', `not set (KAFKA_SASL_MECHANISM=${mechanism})`);
  if (password === undefined)
    throw new ConfigError(
      'KAFKA_SASL_PASSWORD',
      `not set (KAFKA_SASL_MECHANISM=${mechanism}); give it or KAFKA_SASL_PASSWORD_FILE`,
    );
  return { mechanism, username, password };
}

function isMechanism(value: string): value is (typeof SASL_MECHANISMS)[number] {
  return (SASL_MECHANISMS as readonly string[]).includes(value);
}

/** What a service decides about its own client; the rest of KafkaConfig comes from the settings. */
export interface KafkaClientOptions {
  /** The service's client id, e.g. allo-gateway; KAFKA_CLIENT_ID replaces it. */
  readonly clientId: string;
  readonly logLevel?: logLevel;
  readonly logCreator?: logCreator;
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
  readonly retry?: KafkaConfig['retry'];
}

/** The one place shipped code builds a kafkajs client, so TLS and SASL apply to every service. */
export function createKafkaClient(settings: KafkaSettings, options: KafkaClientOptions): Kafka {
  return new Kafka(kafkaClientConfig(settings, options));
}

/** The kafkajs config createKafkaClient uses (exposed for tests). */
export function kafkaClientConfig(settings: KafkaSettings, options: KafkaClientOptions): KafkaConfig {
  const { clientId, ...rest } = options;
  return {
    ...rest,
    clientId: settings.clientId ?? clientId,
    brokers: [...settings.brokers],
    ...(settings.ssl ? { ssl: settings.ssl } : {}),
    ...(settings.sasl ? { sasl: settings.sasl } : {}),
  };
}
