export { createGateway, type GatewayDeps } from './create-gateway.js';
export { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.js';
export { parseGatewayConfig, GatewayConfigError, DEFAULT_SOURCE, type GatewayConfig } from './config.js';
export { KafkaRawEventPublisher } from './kafka-raw-event-publisher.js';
export { PublishTimeoutError, type RawEventMessage, type RawEventPublisher } from './raw-event-publisher.js';
export { startGateway, type RunningGateway } from './start-gateway.js';
export {
  LiveSources,
  type ReloadOutcome,
  type SourceLookup,
  type SourcesFileStatus,
} from './live-sources.js';
export { secretFingerprint } from './secret-fingerprint.js';
export { loadSources, readSourceLayers, type SourceLayers, type SourceSecrets } from './sources-config.js';
export type { SourcesStatusBody } from './sources-status.js';
