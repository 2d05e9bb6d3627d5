import { createHash } from 'node:crypto';

// The pure rules of the position protocol (see position-protocol.ts for the invariants they
// serve): offset arithmetic on Kafka's decimal-string offsets (int64, kept exact with bigint),
// where a partition resumes, whether a stored position can be continued on the current log, and
// what to do with a fetched batch. No I/O.

/** The offset after `offset`: what is stored as next_offset once `offset` is applied. */
export function nextOffsetAfter(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** Whether offset a is strictly before offset b. */
export function isBefore(a: string, b: string): boolean {
  return BigInt(a) < BigInt(b);
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

/** The log bounds of one partition: `low` is the first offset still stored, `high` the next to be written. */
export interface Watermarks {
  readonly low: string;
  readonly high: string;
}

/** The log a position is read against: the cluster it lives in and each partition's bounds. */
export interface LogState {
  readonly clusterId: string;
  readonly partitions: ReadonlyMap<number, Watermarks>;
}

/** One partition's stored position (a read_model.projection_offsets row). */
export interface StoredOffset {
  readonly partition: number;
  /** The next offset to apply (last applied + 1). */
  readonly nextOffset: string;
  readonly lastEventAt: Date | null;
  /** The Kafka cluster the position was taken on; null for rows written before it was recorded. */
  readonly clusterId: string | null;
  /** recordFingerprint of the record at nextOffset - 1; null when seeded or reset (nothing applied). */
  readonly anchor: string | null;
}

/**
 * Where a partition resumes: its stored next offset, or the log start when nothing is stored.
 * Never above the stored offset: a log start beyond it is a discontinuity, not a place to jump to.
 */
export function resumeOffset(stored: StoredOffset | undefined, lowWatermark: string): string {
  return stored?.nextOffset ?? lowWatermark;
}

/** Where a generation starts reading: the log start, the log end, or the first record at/after a time. */
export type OffsetStart = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'timestamp'; at: Date };

/** Parses `earliest`, `latest` or an ISO 8601 time; returns undefined for anything else. */
export function parseOffsetStart(text: string): OffsetStart | undefined {
  if (text === 'earliest' || text === 'latest') return { kind: text };
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : { kind: 'timestamp', at };
}

/** A reason why a stored position cannot be continued on the current log. */
export type Discontinuity =
  /** The position was taken on another Kafka cluster (e.g. Kafka started on a new data folder). */
  | { kind: 'other-cluster'; storedClusterId: string; clusterId: string; partitions: number[] }
  /** A stored partition does not exist in the topic (fewer partitions than when it was stored). */
  | { kind: 'partition-missing'; partition: number; nextOffset: string; partitionCount: number }
  /** The stored next offset is above the log end: the log was replaced by a shorter one. */
  | { kind: 'ahead-of-log'; partition: number; nextOffset: string; high: string }
  /** Records not yet applied were deleted (retention, deleteRecords): the log now starts later. */
  | { kind: 'records-deleted'; partition: number; nextOffset: string | null; low: string }
  /** The record at the last applied offset is not the one that was applied: the log was replaced. */
  | { kind: 'record-replaced'; partition: number; offset: string; expected: string; found: string | null };

/**
 * Every reason the stored positions of one generation cannot be continued on `log`, checked over
 * all partitions (so every instance of a projector reaches the same verdict). A partition with
 * nothing stored must start at offset 0, unless the generation was knowingly built partial.
 */
export function checkContinuity(
  stored: ReadonlyMap<number, StoredOffset>,
  log: LogState,
  generation: { readonly partial: boolean },
): Discontinuity[] {
  const found: Discontinuity[] = [];
  const foreign = [...stored.values()].filter((s) => s.clusterId !== null && s.clusterId !== log.clusterId);
  if (foreign.length > 0) {
    found.push({
      kind: 'other-cluster',
      storedClusterId: foreign[0]!.clusterId!,
      clusterId: log.clusterId,
      partitions: foreign.map((s) => s.partition).sort((a, b) => a - b),
    });
  }
  for (const s of [...stored.values()].sort((a, b) => a.partition - b.partition)) {
    const marks = log.partitions.get(s.partition);
    if (!marks) {
      const partitionCount = log.partitions.size;
      found.push({
        kind: 'partition-missing',
        partition: s.partition,
        nextOffset: s.nextOffset,
        partitionCount,
      });
    } else if (isBefore(marks.high, s.nextOffset)) {
      found.push({
        kind: 'ahead-of-log',
        partition: s.partition,
        nextOffset: s.nextOffset,
        high: marks.high,
      });
    } else if (isBefore(s.nextOffset, marks.low)) {
      found.push({
        kind: 'records-deleted',
        partition: s.partition,
        nextOffset: s.nextOffset,
        low: marks.low,
      });
    }
  }
  if (generation.partial) return found;
  for (const [partition, marks] of [...log.partitions].sort(([a], [b]) => a - b)) {
    if (!stored.has(partition) && marks.low !== '0')
      found.push({ kind: 'records-deleted', partition, nextOffset: null, low: marks.low });
  }
  return found;
}

/**
 * A fingerprint of one Kafka record's key and value bytes. Two logs that hold the same record at
 * an offset (a restored or mirrored copy) agree; a recreated topic refilled to the same offsets
 * does not, since every raw record carries its own webhook id and receive time.
 */
export function recordFingerprint(message: { key: Buffer | null; value: Buffer | null }): string {
  const hash = createHash('sha256');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.key?.length ?? 0xffffffff);
  hash.update(length);
  if (message.key) hash.update(message.key);
  if (message.value) hash.update(message.value);
  return hash.digest('base64url').slice(0, 22);
}

/** Where a consumer stands on one partition, as the batch decision needs it. */
export interface PartitionCursor {
  /** Next offset to apply; undefined before anything is stored. */
  readonly next: string | undefined;
  /** Fingerprint of the record at next - 1, when known. */
  readonly anchor: string | null;
  /** True once the record at next - 1 was seen and matched (or cannot be seen any more). */
  readonly verified: boolean;
  /** The offset of the last seek back, to tell a real gap from a stale fetch. */
  readonly lastSeekBack: string | undefined;
}

/** A fetched message, as far as the decision looks at it. */
export interface FetchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export type BatchDecision =
  /** Apply the messages at or after `from`; `verified` is the cursor's new verified flag. */
  | { kind: 'apply'; from: string; verified: boolean }
  /** Drop the batch and fetch again from `to`. */
  | { kind: 'seek'; to: string }
  /** The position cannot be continued: apply nothing, stop the projection. */
  | { kind: 'halt'; discontinuity: Discontinuity };

/**
 * What to do with a fetched batch on one partition. The record at next - 1 (the last one applied)
 * is compared with its stored fingerprint whenever a batch covers it; until it has been seen the
 * consumer reads from there. A batch that starts after the expected offset is refetched once; a
 * gap that remains is accepted only while the log still starts at or before the expected offset
 * (control records, aborted transactions), never when records were deleted.
 */
export function decideBatch(
  cursor: PartitionCursor,
  messages: readonly FetchedMessage[],
  lowWatermark: string,
  partition: number,
): BatchDecision {
  const first = messages[0]!.offset;
  const last = messages[messages.length - 1]!.offset;
  const expected = cursor.next ?? lowWatermark;
  let verified = cursor.verified || cursor.anchor === null || cursor.next === undefined;
  if (cursor.anchor !== null && cursor.next !== undefined && cursor.next !== '0') {
    const anchorOffset = (BigInt(cursor.next) - 1n).toString();
    const anchor = messages.find((m) => m.offset === anchorOffset);
    if (anchor) {
      const found = recordFingerprint(anchor);
      if (found !== cursor.anchor)
        return { kind: 'halt', discontinuity: replaced(partition, anchorOffset, cursor.anchor, found) };
      verified = true;
    } else if (isBefore(last, anchorOffset)) {
      return { kind: 'seek', to: verified ? expected : anchorOffset };
    } else if (!verified) {
      if (isBefore(anchorOffset, lowWatermark)) verified = true;
      else if (cursor.lastSeekBack === anchorOffset)
        return { kind: 'halt', discontinuity: replaced(partition, anchorOffset, cursor.anchor, null) };
      else return { kind: 'seek', to: anchorOffset };
    }
  }
  if (!isBefore(expected, first)) return { kind: 'apply', from: expected, verified };
  if (isBefore(expected, lowWatermark))
    return {
      kind: 'halt',
      discontinuity: {
        kind: 'records-deleted',
        partition,
        nextOffset: cursor.next ?? null,
        low: lowWatermark,
      },
    };
  if (cursor.lastSeekBack === expected) return { kind: 'apply', from: first, verified };
  return { kind: 'seek', to: expected };
}

function replaced(partition: number, offset: string, expected: string, found: string | null): Discontinuity {
  return { kind: 'record-replaced', partition, offset, expected, found };
}
