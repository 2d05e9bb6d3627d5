import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createRandom, randomWebhookId } from './random.js';

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, createRandom(seed).next);
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps int() within bounds and webhook ids in Allo shape', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -50, max: 50 }), fc.nat(100), (seed, min, width) => {
        const random = createRandom(seed);
        const value = random.int(min, min + width);
        expect(value).toBeGreaterThanOrEqual(min);
        expect(value).toBeLessThanOrEqual(min + width);
        expect(randomWebhookId(random)).toMatch(/^msg_[0-9A-Za-z]{20}$/);
      }),
    );
  });

  it('rejects a non-integer seed', () => {
    expect(() => createRandom(1.5)).toThrow(RangeError);
  });
});
