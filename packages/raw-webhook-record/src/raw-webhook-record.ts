/**
 * The record the gateway writes to the raw topic for every authenticated Allo delivery, and the
 * only thing projections read. It is the immutable log that every read model is rebuilt from.
 */
export interface RawWebhookRecord {
  /** The `webhook-id` header: Allo's delivery id, identical on every retry; the dedup key. */
  readonly webhookId: string;
  /** The `webhook-timestamp` header: unix seconds when Allo sent this attempt. */
  readonly webhookTimestamp: number;
  /** When the gateway received the request, epoch milliseconds. */
  readonly receivedAt: number;
  /** Which configured Allo workspace (gateway route) the delivery came through. */
  readonly source: string;
  /** The envelope `topic` (v2 name after legacy mapping), or null when the body could not be parsed. */
  readonly topic: string | null;
  /** The request body exactly as received; it is what the signature covered. */
  readonly body: Buffer;
}

export const DEFAULT_RAW_TOPIC = 'allo.webhooks.raw';

/**
 * Avro envelope registered under `<topic>-value` (TopicNameStrategy). An envelope with the body as
 * bytes (rather than Confluent-framed raw JSON under a JSON Schema) was chosen because every
 * authenticated delivery must be stored, including bodies that are not valid JSON: under a JSON
 * Schema those would be undecodable values for Kafka Connect, ksqlDB and Flink, while here every
 * record decodes, the metadata travels inside the value (sinks that drop headers keep it), and the
 * body bytes come back exactly as signed.
 */
export const RAW_WEBHOOK_AVRO_SCHEMA = {
  type: 'record',
  name: 'RawWebhook',
  namespace: 'io.allopipeline.raw',
  doc: 'One authenticated Allo webhook delivery, body bytes exactly as received.',
  fields: [
    { name: 'webhook_id', type: 'string', doc: 'webhook-id header (Allo delivery id)' },
    { name: 'webhook_timestamp', type: 'long', doc: 'webhook-timestamp header, unix seconds' },
    { name: 'received_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'source', type: 'string', doc: 'Allo workspace (gateway source) name' },
    { name: 'topic', type: ['null', 'string'], default: null, doc: 'envelope topic; null if unparseable' },
    { name: 'body', type: 'bytes', doc: 'raw request body as signed' },
  ],
} as const;

/** The Avro-shaped value (snake_case field names) for a record. */
export interface RawWebhookAvroValue {
  webhook_id: string;
  webhook_timestamp: number;
  received_at: number;
  source: string;
  topic: string | null;
  body: Buffer;
}

export function toAvroValue(record: RawWebhookRecord): RawWebhookAvroValue {
  return {
    webhook_id: record.webhookId,
    webhook_timestamp: record.webhookTimestamp,
    received_at: record.receivedAt,
    source: record.source,
    topic: record.topic,
    body: record.body,
  };
}

export function fromAvroValue(value: RawWebhookAvroValue): RawWebhookRecord {
  return {
    webhookId: value.webhook_id,
    webhookTimestamp: Number(value.webhook_timestamp),
    receivedAt: toEpochMillis(value.received_at),
    source: value.source,
    topic: value.topic,
    body: value.body,
  };
}

// avsc may surface timestamp-millis as a Date when a logical type is registered; accept both.
function toEpochMillis(value: number | Date): number {
  return value instanceof Date ? value.getTime() : Number(value);
}

/**
 * Kafka record headers carrying the same metadata, so that tools can filter without decoding.
 * `topic` is omitted when unknown.
 */
export function rawRecordHeaders(record: RawWebhookRecord): Record<string, string> {
  const headers: Record<string, string> = {
    'webhook-id': record.webhookId,
    'webhook-timestamp': String(record.webhookTimestamp),
    'received-at': new Date(record.receivedAt).toISOString(),
    source: record.source,
  };
  if (record.topic !== null) headers.topic = record.topic;
  return headers;
}
