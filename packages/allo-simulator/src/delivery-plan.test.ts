import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { pickDuplicates, reorderWithinWindow } from './delivery-plan.js';
import { createRandom } from './random.js';

describe('reorderWithinWindow', () => {
  it('is a permutation that moves nothing earlier than window - 1 positions', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(60), fc.integer({ min: 1, max: 12 }), (seed, length, window) => {
        const items = Array.from({ length }, (_, i) => i);
        const out = reorderWithinWindow(items, window, createRandom(seed));
        expect([...out].sort((a, b) => a - b)).toEqual(items);
        out.forEach((item, position) => expect(item).toBeLessThanOrEqual(position + window - 1));
      }),
    );
  });

  it('keeps the order for a window of 0 or 1 and is reproducible for a seed', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    expect(reorderWithinWindow(items, 1, createRandom(1))).toEqual(items);
    expect(reorderWithinWindow(items, 0, createRandom(1))).toEqual(items);
    const shuffled = reorderWithinWindow(items, 8, createRandom(9));
    expect(shuffled).not.toEqual(items);
    expect(reorderWithinWindow(items, 8, createRandom(9))).toEqual(shuffled);
  });
});

describe('pickDuplicates', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `msg_${i}`);

  it('picks none at 0, all at 1 and about the rate in between', () => {
    expect(pickDuplicates(ids, 0, createRandom(1)).size).toBe(0);
    expect(pickDuplicates(ids, 1, createRandom(1)).size).toBe(2000);
    const some = pickDuplicates(ids, 0.1, createRandom(1)).size;
    expect(some).toBeGreaterThan(140);
    expect(some).toBeLessThan(260);
  });
});
