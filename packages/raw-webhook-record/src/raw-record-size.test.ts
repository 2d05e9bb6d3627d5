import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import avro from 'avsc';
import {
  DEFAULT_BODY_LIMIT_BYTES,
  MAX_RECORD_KEY_LENGTH,
  MAX_RECORDED_TOPIC_LENGTH,
  RAW_RECORD_OVERHEAD_BYTES,
  rawTopicMaxMessageBytes,
} from './raw-topic-setup.js';
import { kafkaRecordBytes, RECORD_BATCH_OVERHEAD_BYTES, type KafkaRecordParts } from './raw-record-size.js';
import {
  RAW_WEBHOOK_AVRO_SCHEMA,
  rawRecordHeaders,
  toAvroValue,
  type RawWebhookRecord,
} from './raw-webhook-record.js';

// The record sizes are measured with the encoders that write them: avsc for the Avro envelope
// (plus the 5-byte Confluent framing the registry client adds) and kafkajs's own record and
// record-batch encoders, which the producer uses (kafkajs exports no API for them).
interface KafkajsEncoder {
  readonly buffer: Buffer;
}
type RecordEncoder = (record: KafkaRecordParts & { offsetDelta: number; timestampDelta: number }) => unknown;
type RecordBatchEncoder = (batch: { records: unknown[]; firstTimestamp: number }) => Promise<KafkajsEncoder>;
const load = createRequire(import.meta.url);
const encodeRecord = load('kafkajs/src/protocol/recordBatch/record/v0/index.js') as RecordEncoder;
const { RecordBatch: encodeBatch } = load('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: RecordBatchEncoder;
};
const avroType = avro.Type.forSchema(RAW_WEBHOOK_AVRO_SCHEMA as unknown as avro.Schema);

/** The Confluent-framed value the codec writes for `record`. */
function encodedValue(record: RawWebhookRecord): Buffer {
  const framing = Buffer.alloc(5);
  framing.writeInt32BE(1_000_000, 1);
  return Buffer.concat([framing, avroType.toBuffer(toAvroValue(record))]);
}

/** The bytes the broker counts against max.message.bytes for a batch of these records. */
async function batchBytes(records: readonly KafkaRecordParts[]): Promise<number> {
  const firstTimestamp = Date.now();
  const encoded = records.map((record, i) =>
    // Deltas at their widest varints: the bound must hold for any position and time.
    encodeRecord({ ...record, offsetDelta: i === 0 ? 2 ** 31 - 1 : i, timestampDelta: -(2 ** 63) }),
  );
  return (await encodeBatch({ records: encoded, firstTimestamp })).buffer.length;
}

function kafkaRecord(record: RawWebhookRecord, key: string): KafkaRecordParts {
  return { key, value: encodedValue(record), headers: rawRecordHeaders(record) };
}

// Every field at its longest, each character 3 bytes in UTF-8 (more than the gateway ever lets
// through: a webhook id comes from an HTTP header, at most 2 bytes per character).
const wide = (length: number): string => '\u20ac'.repeat(length);
const widest: Omit<RawWebhookRecord, 'body'> = {
  webhookId: wide(256),
  webhookTimestamp: 2 ** 52, // the largest long avsc writes from a number
  receivedAt: 8.64e15,
  source: 'a'.repeat(63),
  topic: wide(MAX_RECORDED_TOPIC_LENGTH),
};

describe('raw record size', () => {
  it('leaves the body limit room for the widest envelope, headers, key and batch, with a margin', async () => {
    // From 1 MiB to 128 MiB every length prefix is 4 bytes wide: the overhead is the same.
    const body = Buffer.alloc(DEFAULT_BODY_LIMIT_BYTES, 0x78);
    const bytes = await batchBytes([kafkaRecord({ ...widest, body }, wide(MAX_RECORD_KEY_LENGTH))]);
    const overhead = bytes - body.length;
    process.stdout.write(
      `widest raw record: ${bytes} bytes for a ${body.length}-byte body (overhead ${overhead}; allowed ${RAW_RECORD_OVERHEAD_BYTES})\n`,
    );
    expect(bytes).toBeLessThanOrEqual(rawTopicMaxMessageBytes(body.length));
    expect(overhead * 3).toBeLessThanOrEqual(RAW_RECORD_OVERHEAD_BYTES);
  });

  it('never underestimates a record, alone or in a batch', async () => {
    const typical: RawWebhookRecord = {
      webhookId: 'msg_7QkR2vXc9LmN4pTz8sWd',
      webhookTimestamp: 1767225600,
      receivedAt: Date.UTC(2026, 0, 1),
      source: 'default',
      topic: 'sms.received',
      body: Buffer.from('{"topic":"sms.received","data":{"id":"msg_1"}}'),
    };
    const records = [
      kafkaRecord(typical, 'conversation:+14155550142'),
      kafkaRecord({ ...typical, topic: null, body: Buffer.alloc(70_000) }, 'webhook:x'),
      kafkaRecord({ ...widest, body: Buffer.alloc(DEFAULT_BODY_LIMIT_BYTES) }, wide(MAX_RECORD_KEY_LENGTH)),
      // No headers: the record's own framing alone must be covered.
      { key: wide(MAX_RECORD_KEY_LENGTH), value: Buffer.alloc(300_000), headers: {} },
    ];
    for (const record of records) {
      expect(await batchBytes([record])).toBeLessThanOrEqual(
        RECORD_BATCH_OVERHEAD_BYTES + kafkaRecordBytes(record),
      );
    }
    const sum = records.reduce((total, record) => total + kafkaRecordBytes(record), 0);
    expect(await batchBytes(records)).toBeLessThanOrEqual(RECORD_BATCH_OVERHEAD_BYTES + sum);
  });
});
