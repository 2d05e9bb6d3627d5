import { kafkaRecordBytes, RECORD_BATCH_OVERHEAD_BYTES } from '@allo-pipeline/raw-webhook-record';
import type { RawEventMessage } from './raw-event-publisher.js';

export interface BatchLimits {
  /** Most records in one produce request. */
  readonly maxRecords: number;
  /** Most bytes of records in one produce request, batch framing included. */
  readonly maxBytes: number;
}

/**
 * How many of `queued`, from the first, go into the next produce request: at most
 * `limits.maxRecords`, and at most `limits.maxBytes` together (counted as kafkaRecordBytes, an
 * upper bound). kafkajs writes a request's records for one partition as one record batch, which
 * the broker refuses whole when it exceeds the topic's max.message.bytes: with maxBytes at most
 * that, no batch can, whichever partitions the records go to. The first record always goes
 * (alone when it is that large), so the queue never stalls. 0 only for an empty queue.
 */
export function nextBatchLength(
  queued: readonly { message: RawEventMessage }[],
  limits: BatchLimits,
): number {
  let bytes = RECORD_BATCH_OVERHEAD_BYTES;
  let length = 0;
  for (const { message } of queued) {
    if (length >= limits.maxRecords) break;
    bytes += kafkaRecordBytes(message);
    if (length > 0 && bytes > limits.maxBytes) break;
    length += 1;
  }
  return length;
}
