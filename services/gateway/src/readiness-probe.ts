import { logLevel } from 'kafkajs';
import { createKafkaClient } from '@allo-pipeline/service-config';
import type { GatewayConfig } from './config.js';
import { cachedFor, checkWithin, registrySchemaRequest, type DependencyReport } from './dependency-checks.js';

/**
 * /readyz's checks: a metadata request for the raw topic on a client of its own that does not
 * retry, and a GET of the raw schema from the registry, each bounded at 1.5 s, kept for 1 s.
 */
export async function readinessProbe(
  config: Pick<GatewayConfig, 'kafka' | 'rawTopic' | 'schemaRegistryUrl'>,
  schemaId: number,
): Promise<{ check: () => Promise<DependencyReport>; close: () => Promise<void> }> {
  const kafka = createKafkaClient(config.kafka, {
    clientId: 'allo-gateway-readiness',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 1_500,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  const schema = registrySchemaRequest(config.schemaRegistryUrl, schemaId);
  const check = cachedFor(READINESS_CACHE_MS, Date.now, async (): Promise<DependencyReport> => {
    const [kafkaCheck, registry] = await Promise.all([
      checkWithin('kafka', READINESS_TIMEOUT_MS, () =>
        admin.fetchTopicMetadata({ topics: [config.rawTopic] }),
      ),
      checkWithin('schema registry', READINESS_TIMEOUT_MS, () => fetchOk(schema, READINESS_TIMEOUT_MS)),
    ]);
    return { kafka: kafkaCheck, registry };
  });
  return { check, close: () => admin.disconnect() };
}

const READINESS_TIMEOUT_MS = 1_500;
const READINESS_CACHE_MS = 1_000;

async function fetchOk(
  request: { url: string; headers: Record<string, string> },
  timeoutMs: number,
): Promise<void> {
  const response = await fetch(request.url, {
    headers: request.headers,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}
