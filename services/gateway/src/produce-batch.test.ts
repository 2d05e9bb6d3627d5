import { describe, expect, it } from '@jest/globals';
import { kafkaRecordBytes, RECORD_BATCH_OVERHEAD_BYTES } from '@allo-pipeline/raw-webhook-record';
import { nextBatchLength } from './produce-batch.js';
import type { RawEventMessage } from './raw-event-publisher.js';

const message = (bytes: number): { message: RawEventMessage } => ({
  message: { key: 'conversation:+14155550142', value: Buffer.alloc(bytes), headers: {}, timestamp: 0 },
});
const recordBytes = (bytes: number): number => kafkaRecordBytes(message(bytes).message);
const MAX_MESSAGE_BYTES = 1024 * 1024 + 16 * 1024;

describe('nextBatchLength', () => {
  it('takes up to maxRecords small records', () => {
    const queue = Array.from({ length: 5 }, () => message(100));
    expect(nextBatchLength(queue, { maxRecords: 3, maxBytes: MAX_MESSAGE_BYTES })).toBe(3);
    expect(nextBatchLength(queue, { maxRecords: 10, maxBytes: MAX_MESSAGE_BYTES })).toBe(5);
    expect(nextBatchLength([], { maxRecords: 10, maxBytes: MAX_MESSAGE_BYTES })).toBe(0);
  });

  it('keeps two records at the body limit out of one request: together they exceed max.message.bytes', () => {
    const queue = [message(1024 * 1024), message(1024 * 1024), message(10)];
    expect(nextBatchLength(queue, { maxRecords: 1000, maxBytes: MAX_MESSAGE_BYTES })).toBe(1);
    expect(nextBatchLength(queue.slice(1), { maxRecords: 1000, maxBytes: MAX_MESSAGE_BYTES })).toBe(2);
  });

  it('fills a request up to exactly maxBytes, batch framing included', () => {
    const queue = [message(1000), message(2000), message(3000)];
    const exact = RECORD_BATCH_OVERHEAD_BYTES + recordBytes(1000) + recordBytes(2000);
    expect(nextBatchLength(queue, { maxRecords: 1000, maxBytes: exact })).toBe(2);
    expect(nextBatchLength(queue, { maxRecords: 1000, maxBytes: exact - 1 })).toBe(1);
  });

  it('lets a record larger than maxBytes go alone rather than stall the queue', () => {
    expect(nextBatchLength([message(5000), message(1)], { maxRecords: 1000, maxBytes: 100 })).toBe(1);
  });
});
