import { describe, expect, it } from '@jest/globals';
import avro from 'avsc';
import {
  RAW_WEBHOOK_AVRO_SCHEMA,
  fromAvroValue,
  rawRecordHeaders,
  toAvroValue,
  type RawWebhookAvroValue,
  type RawWebhookRecord,
} from './raw-webhook-record.js';

const record: RawWebhookRecord = {
  webhookId: 'msg_7QkR2vXc9LmN4pTz8sWd',
  webhookTimestamp: 1767225600,
  receivedAt: Date.UTC(2026, 0, 1, 0, 0, 1, 234),
  source: 'default',
  topic: 'sms.received',
  body: Buffer.from('{"topic":"sms.received","data":{}}\n\u00e9', 'utf8'),
};

describe('RawWebhook Avro envelope', () => {
  const type = avro.Type.forSchema(RAW_WEBHOOK_AVRO_SCHEMA as unknown as avro.Schema);

  it('round-trips every field and the body byte for byte', () => {
    const decoded = fromAvroValue(type.fromBuffer(type.toBuffer(toAvroValue(record))) as RawWebhookAvroValue);
    expect(decoded).toEqual(record);
    expect(decoded.body.equals(record.body)).toBe(true);
  });

  it('stores bodies that are not JSON and records without a topic', () => {
    const binary = { ...record, topic: null, body: Buffer.from([0xff, 0x00, 0xfe, 0x7b]) };
    const decoded = fromAvroValue(type.fromBuffer(type.toBuffer(toAvroValue(binary))) as RawWebhookAvroValue);
    expect(decoded.topic).toBeNull();
    expect([...decoded.body]).toEqual([0xff, 0x00, 0xfe, 0x7b]);
  });

  it('mirrors the metadata in headers, without the topic when unknown', () => {
    expect(rawRecordHeaders(record)).toEqual({
      'webhook-id': 'msg_7QkR2vXc9LmN4pTz8sWd',
      'webhook-timestamp': '1767225600',
      'received-at': '2026-01-01T00:00:01.234Z',
      source: 'default',
      topic: 'sms.received',
    });
    expect(rawRecordHeaders({ ...record, topic: null })).not.toHaveProperty('topic');
  });
});
