// Offset arithmetic on Kafka's decimal-string offsets (int64), kept exact with bigint.

/** The offset after `offset`: what is stored as next_offset once `offset` is applied. */
export function nextOffsetAfter(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** The larger of two offsets. */
export function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}

/** Whether offset a is strictly before offset b. */
export function isBefore(a: string, b: string): boolean {
  return BigInt(a) < BigInt(b);
}

/**
 * Where a partition must resume: the stored next offset, or the log start when nothing is stored
 * or when retention already deleted the stored position.
 */
export function startOffset(stored: string | undefined, lowWatermark: string): string {
  return stored === undefined ? lowWatermark : maxOffset(stored, lowWatermark);
}

/** Messages behind the log end (never negative). */
export function lagMessages(highWatermark: string, nextOffset: string): number {
  const lag = BigInt(highWatermark) - BigInt(nextOffset);
  return lag > 0n ? Number(lag) : 0;
}

/**
 * Seconds between now and the event time of the last applied event, or 0 when the partition is
 * caught up (an idle, fully applied partition is not late however old its last event is).
 */
export function lagSeconds(nowMs: number, lastEventAt: Date | null, behind: number): number {
  if (behind === 0 || lastEventAt === null) return 0;
  return Math.max(0, (nowMs - lastEventAt.getTime()) / 1000);
}

/** What to do with a fetched batch given where the partition must resume. */
export type BatchPosition =
  /** Apply the messages at or after `from` (earlier ones were already applied). */
  | { kind: 'apply'; from: string }
  /** The batch starts after the resume point: seek back to `to` and drop the batch. */
  | { kind: 'seek-back'; to: string };

/**
 * Compares a batch with the resume point. A batch that starts later than expected normally means
 * Kafka's committed offset ran ahead of the stored one, so the consumer seeks back; but when a
 * seek back to the same point already produced this same first offset, the log simply has no
 * records in between (retention, control records) and the batch is applied.
 */
export function positionBatch(
  expected: string,
  firstOffset: string,
  lastSeekBack: string | undefined,
): BatchPosition {
  if (!isBefore(expected, firstOffset)) return { kind: 'apply', from: expected };
  if (lastSeekBack === expected) return { kind: 'apply', from: firstOffset };
  return { kind: 'seek-back', to: expected };
}
