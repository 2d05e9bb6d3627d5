import { describe, expect, it } from '@jest/globals';
import { assembleStats } from './stats-query.js';

describe('assembleStats', () => {
  it('lays counts into dense buckets and sums totals', () => {
    const at = (iso: string) => new Date(iso);
    const stats = assembleStats(
      { since: at('2026-02-03T09:30:00Z'), until: at('2026-02-03T12:00:00Z'), bucket: 'hour' },
      {
        topics: [
          { start: at('2026-02-03T09:00:00Z'), key: 'call.completed', count: 2 },
          { start: at('2026-02-03T11:00:00Z'), key: 'call.completed', count: 1 },
          { start: at('2026-02-03T11:00:00Z'), key: 'contact.updated', count: 4 },
        ],
        results: [{ start: at('2026-02-03T09:00:00Z'), key: 'ANSWERED', count: 2 }],
        sms: [
          { start: at('2026-02-03T10:00:00Z'), key: 'inbound', count: 3 },
          { start: at('2026-02-03T10:00:00Z'), key: 'outbound', count: 1 },
        ],
      },
    );
    expect(stats.buckets.map((b) => b.start)).toEqual([
      '2026-02-03T09:00:00.000Z',
      '2026-02-03T10:00:00.000Z',
      '2026-02-03T11:00:00.000Z',
    ]);
    expect(stats.buckets[0]?.topics['call.completed']).toBe(2);
    expect(stats.buckets[0]?.topics['sms.received']).toBe(0);
    expect(stats.buckets[0]?.call_results).toEqual({ ANSWERED: 2 });
    expect(stats.buckets[1]?.sms).toEqual({ inbound: 3, outbound: 1 });
    expect(stats.buckets[1]?.topics).toMatchObject({ 'sms.received': 3, 'sms.sent': 1 });
    expect(stats.buckets[2]?.call_results).toEqual({});
    expect(stats.totals.topics).toMatchObject({
      'call.completed': 3,
      'contact.updated': 4,
      'sms.received': 3,
    });
    expect(stats.totals.sms).toEqual({ inbound: 3, outbound: 1 });
    expect(stats).toMatchObject({
      since: '2026-02-03T09:30:00.000Z',
      until: '2026-02-03T12:00:00.000Z',
      bucket: 'hour',
    });
  });
});
