import { describe, expect, it } from '@jest/globals';
import { resolveWindow, type StatsRange } from '../dashboard/stats-window.js';
import { parseStatsQuery } from '../src/stats-params.js';

// The stats range each dashboard window asks for, checked against the API's own parameter parser
// so a window the API would answer with a 400 cannot slip through.
const now = new Date('2026-12-02T10:00:00.000Z');
const none = { first_event_at: null, last_event_at: null };

function acceptedByApi(range: StatsRange): void {
  const query = { since: range.since.toISOString(), until: range.until.toISOString(), bucket: range.bucket };
  expect(parseStatsQuery(query, now.getTime())).toEqual(range);
}

describe('resolveWindow', () => {
  it('ends a recent window now', () => {
    const range = resolveWindow({ kind: 'recent', spanMs: 3_600_000, bucket: 'hour' }, none, now);
    expect(range).toEqual({ since: new Date('2026-12-02T09:00:00.000Z'), until: now, bucket: 'hour' });
    acceptedByApi(range);
  });

  it('covers the recorded period from its first event to just after its last', () => {
    const coverage = {
      first_event_at: '2026-01-01T09:00:00.123Z',
      last_event_at: '2026-01-01T09:07:30.456Z',
    };
    const range = resolveWindow({ kind: 'recorded' }, coverage, now);
    expect(range).toEqual({
      since: new Date('2026-01-01T09:00:00.123Z'),
      until: new Date('2026-01-01T09:07:30.457Z'),
      bucket: 'day',
    });
    acceptedByApi(range);
  });

  it('keeps the latest 2879 days of a longer recorded history, within the API bucket limit', () => {
    const coverage = {
      first_event_at: '2001-01-01T00:00:00.000Z',
      last_event_at: '2026-11-30T12:00:00.000Z',
    };
    const range = resolveWindow({ kind: 'recorded' }, coverage, now);
    expect(range.until.getTime() - range.since.getTime()).toBe(2879 * 86_400_000);
    acceptedByApi(range);
  });

  it('falls back to the last 24 hours while nothing is recorded', () => {
    const range = resolveWindow({ kind: 'recorded' }, none, now);
    expect(range).toEqual({ since: new Date('2026-12-01T10:00:00.000Z'), until: now, bucket: 'hour' });
  });
});
