import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { backoffDelay } from './backoff.js';
import { describeDiscontinuities } from './discontinuity-report.js';
import {
  checkContinuity,
  decideBatch,
  lagMessages,
  lagSeconds,
  nextOffsetAfter,
  recordFingerprint,
  resumeOffset,
  type FetchedMessage,
  type LogState,
  type PartitionCursor,
  type StoredOffset,
} from './position-rules.js';

function stored(
  partition: number,
  nextOffset: string,
  extra: Partial<StoredOffset> = {},
): [number, StoredOffset] {
  return [partition, { partition, nextOffset, lastEventAt: null, clusterId: 'c1', anchor: null, ...extra }];
}

function log(partitions: Array<[number, string, string]>, clusterId = 'c1'): LogState {
  return { clusterId, partitions: new Map(partitions.map(([p, low, high]) => [p, { low, high }])) };
}

/** A run of records at consecutive offsets, each with its own value. */
function records(from: number, count: number, tag = 'a'): FetchedMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    offset: String(from + i),
    key: Buffer.from('k'),
    value: Buffer.from(`${tag}-${from + i}`),
  }));
}

function cursor(next: string | undefined, anchor: string | null, verified = false): PartitionCursor {
  return { next, anchor, verified, lastSeekBack: undefined };
}

describe('offset arithmetic', () => {
  it('stays exact beyond 2^53', () => {
    expect(nextOffsetAfter('9007199254740993')).toBe('9007199254740994');
  });

  it('resumes at the stored offset, or at the log start only when nothing is stored', () => {
    expect(resumeOffset(undefined, '7')).toBe('7');
    expect(resumeOffset(stored(0, '12')[1], '7')).toBe('12');
    // Never jumps forward over deleted records: that is a discontinuity for checkContinuity.
    expect(resumeOffset(stored(0, '3')[1], '7')).toBe('3');
  });

  it('computes lag in messages and seconds (0 once caught up)', () => {
    expect(lagMessages('100', '90')).toBe(10);
    expect(lagMessages('100', '120')).toBe(0);
    const last = new Date(1_000_000);
    expect(lagSeconds(1_030_000, last, 5)).toBe(30);
    expect(lagSeconds(1_030_000, last, 0)).toBe(0);
    expect(lagSeconds(1_030_000, null, 5)).toBe(0);
  });

  it('backs off from 100 ms doubling to a 10 s cap', () => {
    expect([1, 2, 3, 4, 8, 20].map((a) => backoffDelay(a))).toEqual([100, 200, 400, 800, 10_000, 10_000]);
  });
});

describe('checkContinuity', () => {
  it('accepts positions within the log of the same cluster', () => {
    const positions = new Map([stored(0, '5'), stored(1, '0')]);
    expect(
      checkContinuity(
        positions,
        log([
          [0, '0', '9'],
          [1, '0', '0'],
          [2, '0', '4'],
        ]),
        { partial: false },
      ),
    ).toEqual([]);
  });

  it('finds another cluster, a missing partition, a position past the log end and deleted records', () => {
    const positions = new Map([stored(0, '50'), stored(1, '3'), stored(3, '1')]);
    const found = checkContinuity(
      positions,
      log(
        [
          [0, '0', '17'],
          [1, '10', '20'],
          [2, '0', '0'],
        ],
        'c2',
      ),
      {
        partial: false,
      },
    );
    expect(found).toEqual([
      { kind: 'other-cluster', storedClusterId: 'c1', clusterId: 'c2', partitions: [0, 1, 3] },
      { kind: 'ahead-of-log', partition: 0, nextOffset: '50', high: '17' },
      { kind: 'records-deleted', partition: 1, nextOffset: '3', low: '10' },
      { kind: 'partition-missing', partition: 3, nextOffset: '1', partitionCount: 3 },
    ]);
  });

  it('requires a partition with nothing stored to start at 0, unless the generation is partial', () => {
    const positions = new Map([stored(0, '5')]);
    const truncated = log([
      [0, '0', '9'],
      [1, '4', '9'],
    ]);
    expect(checkContinuity(positions, truncated, { partial: false })).toEqual([
      { kind: 'records-deleted', partition: 1, nextOffset: null, low: '4' },
    ]);
    expect(checkContinuity(positions, truncated, { partial: true })).toEqual([]);
  });

  it('does not judge rows written before the cluster id was recorded by their cluster', () => {
    const positions = new Map([stored(0, '5', { clusterId: null })]);
    expect(checkContinuity(positions, log([[0, '0', '9']], 'c9'), { partial: false })).toEqual([]);
  });

  it('is reported with the numbers and the way out', () => {
    const { message, fix } = describeDiscontinuities('calls', [
      { kind: 'ahead-of-log', partition: 2, nextOffset: '1234', high: '17' },
    ]);
    expect(message).toContain('partition 2: stored next offset 1234 is above the log end 17');
    expect(fix).toContain('npm run cli -- rebuild calls');
    expect(fix).toContain('npm run cli -- reset-offsets calls --to earliest');
    const deleted = describeDiscontinuities('messages', [
      { kind: 'records-deleted', partition: 0, nextOffset: '40', low: '1200' },
    ]);
    expect(deleted.message).toContain('records 40 to 1199 were deleted before they were applied');
    expect(deleted.fix).toContain('rebuild messages --allow-truncated-log');
  });
});

describe('decideBatch', () => {
  const applied = records(0, 10);
  const anchor = recordFingerprint(applied[9]!);

  it('applies a batch that starts where the partition resumes', () => {
    expect(decideBatch(cursor('10', anchor, true), records(10, 5), '0', 0)).toEqual({
      kind: 'apply',
      from: '10',
      verified: true,
    });
  });

  it('verifies the last applied record before continuing, then skips it', () => {
    expect(decideBatch(cursor('10', anchor), records(9, 6), '0', 0)).toEqual({
      kind: 'apply',
      from: '10',
      verified: true,
    });
  });

  it('stops when the record at the last applied offset is another one (a recreated topic)', () => {
    expect(decideBatch(cursor('10', anchor), records(9, 6, 'other'), '0', 0)).toMatchObject({
      kind: 'halt',
      discontinuity: { kind: 'record-replaced', partition: 0, offset: '9', expected: anchor },
    });
    // Also when the consumer was reset to the start of a new log (kafkajs: offset out of range).
    expect(decideBatch(cursor('10', anchor, true), records(0, 12, 'other'), '0', 0)).toMatchObject({
      kind: 'halt',
      discontinuity: { kind: 'record-replaced' },
    });
  });

  it('seeks to the last applied record when the batch ends before it', () => {
    expect(decideBatch(cursor('10', anchor), records(0, 3), '0', 0)).toEqual({ kind: 'seek', to: '9' });
    expect(decideBatch(cursor('10', anchor, true), records(0, 3), '0', 0)).toEqual({
      kind: 'seek',
      to: '10',
    });
  });

  it('accepts an anchor deleted by retention when nothing unapplied was deleted', () => {
    expect(decideBatch(cursor('10', anchor), records(10, 2), '10', 0)).toEqual({
      kind: 'apply',
      from: '10',
      verified: true,
    });
  });

  it('never skips deleted records: a gap below the log start stops the projection', () => {
    expect(decideBatch(cursor('10', null), records(15, 2), '15', 0)).toEqual({
      kind: 'halt',
      discontinuity: { kind: 'records-deleted', partition: 0, nextOffset: '10', low: '15' },
    });
  });

  it('refetches a batch that starts late once, then accepts a gap the log still covers', () => {
    const late = records(15, 2);
    expect(decideBatch(cursor('10', null), late, '0', 0)).toEqual({ kind: 'seek', to: '10' });
    const refetched = { ...cursor('10', null), lastSeekBack: '10' };
    expect(decideBatch(refetched, late, '0', 0)).toEqual({ kind: 'apply', from: '15', verified: true });
  });

  it('never applies an offset below the resume point, nor past a mismatched last record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 1100 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1100 }),
        (next, first, count, sameLog, low) => {
          const ours = recordFingerprint(records(next - 1, 1)[0]!);
          const batch = records(first, count, sameLog ? 'a' : 'b');
          const decision = decideBatch(cursor(String(next), ours), batch, String(Math.min(low, first)), 0);
          if (decision.kind !== 'apply') return;
          expect(BigInt(decision.from)).toBeGreaterThanOrEqual(BigInt(next));
          const coversAnchor = first <= next - 1 && next - 1 < first + count;
          if (coversAnchor) expect(sameLog).toBe(true);
        },
      ),
    );
  });
});
