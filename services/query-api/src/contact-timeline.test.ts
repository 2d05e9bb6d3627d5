import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mergeTimeline, type TimelineEntry } from './contact-timeline.js';

const entry = (rank: 0 | 1, second: number, id: string): TimelineEntry =>
  rank === 0
    ? ({
        rank,
        cursor_time: `2026-02-03T09:00:${String(second).padStart(2, '0')}.000000Z`,
        id,
        call: {},
      } as TimelineEntry)
    : ({
        rank,
        cursor_time: `2026-02-03T09:00:${String(second).padStart(2, '0')}.000000Z`,
        id,
        message: {},
      } as TimelineEntry);

const newestFirst = (a: TimelineEntry, b: TimelineEntry) =>
  a.cursor_time < b.cursor_time ? 1 : a.cursor_time > b.cursor_time ? -1 : a.id < b.id ? 1 : -1;

describe('mergeTimeline', () => {
  it('interleaves by time, messages before calls at the same time, keeping each list in order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { maxLength: 15 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { maxLength: 15 }),
        (callSeconds, messageSeconds) => {
          const calls = callSeconds.map((s) => entry(0, s, `c${s}`)).sort(newestFirst);
          const messages = messageSeconds.map((s) => entry(1, s, `m${s}`)).sort(newestFirst);
          const merged = mergeTimeline(calls, messages);
          expect(merged).toHaveLength(calls.length + messages.length);
          for (let i = 1; i < merged.length; i += 1) {
            const [a, b] = [merged[i - 1]!, merged[i]!];
            expect(
              a.cursor_time > b.cursor_time || (a.cursor_time === b.cursor_time && a.rank >= b.rank),
            ).toBe(true);
          }
          expect(merged.filter((e) => e.rank === 0)).toEqual(calls);
          expect(merged.filter((e) => e.rank === 1)).toEqual(messages);
        },
      ),
    );
  });
});
