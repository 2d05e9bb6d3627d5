import { readFileSync } from 'node:fs';
import { DEFAULT_RAW_TOPIC } from '@allo-pipeline/raw-webhook-record';
import { parseSecretList, type WebhookSecret } from '@allo-pipeline/webhook-signature';

/** A configuration problem found at start-up; the message names the variable. */
export class GatewayConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'GatewayConfigError';
  }
}

export interface GatewayConfig {
  port: number;
  host: string;
  /** Allo workspaces by route name; `default` serves POST /webhooks/allo. */
  sources: ReadonlyMap<string, readonly WebhookSecret[]>;
  bodyLimitBytes: number;
  toleranceSeconds: number;
  /** Reply 503 when Kafka has not acknowledged within this time (Allo gives up at 20 s). */
  ackDeadlineMs: number;
  shutdownTimeoutMs: number;
  rawTopic: string;
  rawTopicPartitions: number;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  tls: { certFile: string; keyFile: string } | null;
  logLevel: string;
}

export const DEFAULT_SOURCE = 'default';
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/** Parses and validates the gateway's environment once; throws GatewayConfigError naming the variable. */
export function parseGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  return {
    port: readInt(env, 'GATEWAY_PORT', 8080, 0, 65535),
    host: env.GATEWAY_HOST ?? '0.0.0.0',
    sources: readSources(env),
    bodyLimitBytes: readInt(env, 'GATEWAY_BODY_LIMIT_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
    toleranceSeconds: readInt(env, 'SIGNATURE_TOLERANCE_SECONDS', 300, 1, 86_400),
    ackDeadlineMs: readInt(env, 'GATEWAY_ACK_DEADLINE_MS', 10_000, 100, 19_000),
    shutdownTimeoutMs: readInt(env, 'GATEWAY_SHUTDOWN_TIMEOUT_MS', 15_000, 100, 120_000),
    rawTopic: env.RAW_TOPIC || DEFAULT_RAW_TOPIC,
    rawTopicPartitions: readInt(env, 'RAW_TOPIC_PARTITIONS', 6, 1, 1000),
    kafkaBrokers: required(env, 'KAFKA_BROKERS')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    schemaRegistryUrl: required(env, 'SCHEMA_REGISTRY_URL'),
    tls: readTls(env),
    logLevel: env.LOG_LEVEL || 'info',
  };
}

function readSources(env: NodeJS.ProcessEnv): Map<string, readonly WebhookSecret[]> {
  const sources = new Map<string, readonly WebhookSecret[]>();
  if (env.ALLO_WEBHOOK_SECRET) {
    sources.set(DEFAULT_SOURCE, parseSecrets(env.ALLO_WEBHOOK_SECRET, 'ALLO_WEBHOOK_SECRET'));
  }
  const fromFile = env.ALLO_SOURCES_FILE ? readSourcesFile(env.ALLO_SOURCES_FILE) : undefined;
  for (const [variable, json] of [
    ['ALLO_SOURCES_FILE', fromFile],
    ['ALLO_SOURCES', env.ALLO_SOURCES],
  ] as const) {
    if (json) for (const [name, secrets] of parseSourcesJson(json, variable)) sources.set(name, secrets);
  }
  if (sources.size === 0) {
    throw new GatewayConfigError(
      'ALLO_WEBHOOK_SECRET',
      'not set: give the endpoint signing secret (whsec_…) from Allo, or configure ALLO_SOURCES / ALLO_SOURCES_FILE',
    );
  }
  return sources;
}

/** `{"<name>": "whsec_a whsec_b"}` or `{"<name>": ["whsec_a", "whsec_b"]}`. */
function parseSourcesJson(json: string, variable: string): Array<[string, readonly WebhookSecret[]]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new GatewayConfigError(variable, 'is not valid JSON (expected {"<source>": "whsec_…"})');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayConfigError(variable, 'must be a JSON object mapping source names to secrets');
  }
  return Object.entries(parsed).map(([name, value]) => {
    if (!SOURCE_NAME.test(name)) {
      throw new GatewayConfigError(variable, `source name "${name}" must match ${SOURCE_NAME.source}`);
    }
    const list: unknown = Array.isArray(value) ? (value as unknown[]).join(' ') : value;
    if (typeof list !== 'string')
      throw new GatewayConfigError(variable, `secrets of "${name}" must be a string or array`);
    return [name, parseSecrets(list, `${variable}["${name}"]`)];
  });
}

function readSourcesFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new GatewayConfigError('ALLO_SOURCES_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseSecrets(value: string, variable: string): readonly WebhookSecret[] {
  try {
    return parseSecretList(value, variable);
  } catch (error) {
    throw new GatewayConfigError(variable, (error as Error).message);
  }
}

function readTls(env: NodeJS.ProcessEnv): GatewayConfig['tls'] {
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if (!certFile && !keyFile) return null;
  if (!certFile) throw new GatewayConfigError('TLS_CERT_FILE', 'must be set together with TLS_KEY_FILE');
  if (!keyFile) throw new GatewayConfigError('TLS_KEY_FILE', 'must be set together with TLS_CERT_FILE');
  return { certFile, keyFile };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new GatewayConfigError(name, 'not set');
  return value;
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GatewayConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}
