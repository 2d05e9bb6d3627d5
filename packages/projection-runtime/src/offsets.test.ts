import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { backoffDelay } from './backoff.js';
import { lagMessages, lagSeconds, nextOffsetAfter, positionBatch, startOffset } from './offsets.js';

describe('offset arithmetic', () => {
  it('stays exact beyond 2^53', () => {
    expect(nextOffsetAfter('9007199254740993')).toBe('9007199254740994');
  });

  it('resumes at the stored offset, or the log start when none is stored or it was deleted', () => {
    expect(startOffset(undefined, '7')).toBe('7');
    expect(startOffset('12', '7')).toBe('12');
    expect(startOffset('3', '7')).toBe('7');
  });

  it('positions batches: drop what was applied, seek back once when ahead, then accept a gap', () => {
    expect(positionBatch('10', '5', undefined)).toEqual({ kind: 'apply', from: '10' });
    expect(positionBatch('10', '10', undefined)).toEqual({ kind: 'apply', from: '10' });
    expect(positionBatch('10', '15', undefined)).toEqual({ kind: 'seek-back', to: '10' });
    expect(positionBatch('10', '15', '10')).toEqual({ kind: 'apply', from: '15' });
    expect(positionBatch('10', '15', '8')).toEqual({ kind: 'seek-back', to: '10' });
  });

  it('never applies an offset below the resume point', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        (expected, first) => {
          const position = positionBatch(String(expected), String(first), undefined);
          if (position.kind === 'apply') expect(BigInt(position.from)).toBeGreaterThanOrEqual(expected);
          else expect(first).toBeGreaterThan(expected);
        },
      ),
    );
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
