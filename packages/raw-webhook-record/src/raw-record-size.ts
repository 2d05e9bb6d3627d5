// What one record costs on the wire and in the log, so that the raw topic's max.message.bytes
// can be set from the gateway's body limit, and the gateway's produce requests kept within it.
// Kafka's record format v2 (KIP-98): a record batch has a 61-byte header (12 of them the log's
// offset and length, which the broker counts against max.message.bytes), then its records:
//   length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
//   key (varint length + bytes), value (varint length + bytes),
//   header count varint, each header (varint length + key bytes, varint length + value bytes).

/** The record batch header, the log overhead included: the broker counts it per batch. */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/** Record framing apart from headers: varint length, attributes, two deltas, three varint lengths. */
const RECORD_FRAMING_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;

/** The two varint lengths of one header. */
const HEADER_FRAMING_BYTES = 5 + 5;

/** One Kafka record as the gateway writes it. */
export interface KafkaRecordParts {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * An upper bound of the bytes `record` takes inside a record batch (its varints counted at their
 * widest). A batch of records takes at most RECORD_BATCH_OVERHEAD_BYTES plus their sum.
 */
export function kafkaRecordBytes(record: KafkaRecordParts): number {
  let bytes = RECORD_FRAMING_BYTES + Buffer.byteLength(record.key) + record.value.length;
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += HEADER_FRAMING_BYTES + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}
