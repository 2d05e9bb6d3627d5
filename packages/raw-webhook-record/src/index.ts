export {
  DEFAULT_RAW_TOPIC,
  RAW_WEBHOOK_AVRO_SCHEMA,
  rawRecordHeaders,
  type RawWebhookRecord,
} from './raw-webhook-record.js';
export { RawRecordCodec, RawRecordDecodeError } from './raw-record-codec.js';
export {
  ensureRawTopic,
  kafkaLogToPino,
  RAW_TOPIC_RETENTION,
  retentionWarnings,
  type RawTopicReport,
} from './raw-topic-setup.js';
