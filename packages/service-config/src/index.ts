export { asServiceConfigError, ConfigError } from './config-error.js';
export {
  readBoolean,
  readInt,
  readList,
  readFileText,
  readOptional,
  readRequired,
  readSecret,
  secretVariable,
  type Env,
} from './env-values.js';
export {
  createKafkaClient,
  kafkaClientConfig,
  parseKafkaSettings,
  parseOptionalKafkaSettings,
  SASL_MECHANISMS,
  type KafkaClientOptions,
  type KafkaSettings,
} from './kafka-settings.js';
export { LOG_LEVELS, parseLogLevel, startupLogLevel, type LogLevel } from './log-level.js';
export { parseDatabaseUrl, parseSchemaRegistryUrl } from './endpoints.js';
export {
  defaultMinInsyncReplicas,
  parseRawTopicName,
  parseRawTopicSettings,
  readMinInsync,
  readReplicationFactor,
  type RawTopicSettings,
} from './raw-topic-settings.js';
