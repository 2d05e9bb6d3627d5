export {
  DEFAULT_RAW_TOPIC,
  RAW_WEBHOOK_AVRO_SCHEMA,
  rawRecordHeaders,
  type RawWebhookRecord,
} from './raw-webhook-record.js';
export {
  consumerCrashLevel,
  isStartUpTransient,
  kafkaLogLevel,
  kafkaLogToPino,
  restartUnlessStopped,
} from './kafka-log.js';
export { RawRecordCodec, RawRecordDecodeError } from './raw-record-codec.js';
export { kafkaRecordBytes, RECORD_BATCH_OVERHEAD_BYTES, type KafkaRecordParts } from './raw-record-size.js';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  ensureRawTopic,
  MAX_RECORD_KEY_LENGTH,
  MAX_RECORDED_TOPIC_LENGTH,
  RAW_RECORD_OVERHEAD_BYTES,
  RAW_TOPIC_RETENTION,
  rawTopicFetchSizes,
  rawTopicMaxMessageBytes,
  replicationWarnings,
  RawTopicTooSmallError,
  type RawTopicOptions,
  type RawTopicReport,
} from './raw-topic-setup.js';
