export {
  AnalyticsStreamConfigError,
  DEFAULT_ANALYTICS_STREAM_PORT,
  DEFAULT_GROUP_ID,
  DEFAULT_TYPED_TOPICS,
  parseAnalyticsStreamConfig,
  type AnalyticsStreamConfig,
  type TypedTopics,
} from './config.js';
export { AnalyticsStream, type AnalyticsStreamDeps } from './analytics-stream.js';
export {
  applyRawRecord,
  createPartitionState,
  type PartitionState,
  type TypedOutput,
} from './partition-state.js';
export {
  startAnalyticsStream,
  type RunningAnalyticsStream,
  type StartOptions,
} from './start-analytics-stream.js';
export {
  assertCompatible,
  registerTypedSchemas,
  SchemaIncompatibleError,
  type TypedCodec,
} from './typed-codec.js';
export {
  CALL_SCHEMA_V1,
  CONTACT_SCHEMA_V1,
  MESSAGE_SCHEMA_V1,
  TYPED_SCHEMAS_V1,
  valueSubject,
  type Entity,
  type TypedSchemas,
} from './typed-schemas.js';
export type { CallValue, ContactValue, MessageValue } from './typed-records.js';
