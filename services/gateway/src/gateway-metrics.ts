import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'status' | 'source'>;
  readonly verificationFailures: Counter<'reason'>;
  readonly publishLatency: Histogram;
  readonly inFlight: Gauge;
  readonly bodySize: Histogram;
  /** Unix seconds of the last accepted event, by source. */
  readonly sourceLastAccepted: Gauge<'source'>;
  /** Sources file reloads by outcome: changed, unchanged, rejected (old configuration kept). */
  readonly sourcesReloads: Counter<'outcome'>;
}

/** Prometheus metrics of the gateway, on their own registry (so tests can create many apps). */
export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'allo_gateway_' });
  return {
    registry,
    requests: new Counter({
      name: 'allo_gateway_requests_total',
      help: 'Webhook requests by HTTP status and source',
      labelNames: ['status', 'source'],
      registers: [registry],
    }),
    verificationFailures: new Counter({
      name: 'allo_gateway_verification_failures_total',
      help: 'Rejected webhook requests by verification failure reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    publishLatency: new Histogram({
      name: 'allo_gateway_publish_latency_seconds',
      help: 'Time from verified request to Kafka acknowledgement',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'allo_gateway_in_flight_requests',
      help: 'Webhook requests being processed',
      registers: [registry],
    }),
    bodySize: new Histogram({
      name: 'allo_gateway_body_size_bytes',
      help: 'Webhook request body sizes',
      buckets: [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576],
      registers: [registry],
    }),
    sourceLastAccepted: new Gauge({
      name: 'allo_gateway_source_last_accepted_seconds',
      help: 'Unix time of the last accepted webhook, by source',
      labelNames: ['source'],
      registers: [registry],
    }),
    sourcesReloads: new Counter({
      name: 'allo_gateway_sources_reloads_total',
      help: 'Reloads of the sources file by outcome (rejected keeps the configuration in use)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
