export { ApiError, invalidParameter, notFound, type ErrorBody } from './api-error.js';
export { createTokenVerifier, requireBearer, type BearerVerdict, type TokenVerifier } from './bearer-auth.js';
export { parseQueryApiConfig, QueryApiConfigError, type QueryApiConfig } from './config.js';
export { createQueryApi, type QueryApiDeps } from './create-query-api.js';
export { decodeCursor, encodeCursor, type CursorKey, type CursorKind } from './cursor.js';
export { OPENAPI_DOCUMENT } from './openapi.js';
export {
  readProjectionsReport,
  type ProjectionReport,
  type ProjectionsReport,
  type ProjectionStatusReader,
} from './projections-report.js';
export { createQueryApiMetrics, type QueryApiMetrics } from './query-api-metrics.js';
export type { CallItem, ContactItem, MessageItem } from './resource-json.js';
export type { TimelineItem } from './contact-timeline.js';
export type { Stats } from './stats-query.js';
export { startQueryApi, type RunningQueryApi } from './start-query-api.js';
