import { describe, expect, it } from '@jest/globals';
import { parseCallsQuery } from './calls-params.js';
import { parseContactSearch, parseContactsQuery, parseTimelineQuery } from './contacts-params.js';
import { encodeCursor } from './cursor.js';
import { parseConversationQuery, parseMessagesQuery } from './messages-params.js';
import { bucketStarts, parseStatsQuery } from './stats-params.js';
import { parameterOf } from './test-helpers.js';

const NOW = Date.parse('2026-02-03T12:30:00Z');

describe('GET /v1/calls parameters', () => {
  it('reads every filter, normalising case and numbers', () => {
    const cursor = encodeCursor('calls', '', { time: null, rank: 0, id: 'cll_1' });
    expect(
      parseCallsQuery({
        number: ' 1 415 555 0142',
        direction: 'inbound',
        status: 'COMPLETED',
        result: 'voicemail',
        tag: 'pricing',
        contact_id: 'cnt_1',
        since: '2026-02-01',
        until: '2026-02-02T00:00:00Z',
        limit: '10',
        cursor,
      }),
    ).toEqual({
      filter: {
        number: '+14155550142',
        direction: 'INBOUND',
        status: 'completed',
        result: 'VOICEMAIL',
        tag: 'pricing',
        contactId: 'cnt_1',
        since: new Date('2026-02-01T00:00:00Z'),
        until: new Date('2026-02-02T00:00:00Z'),
      },
      limit: 10,
      after: { time: null, rank: 0, id: 'cll_1' },
    });
  });

  it.each([
    [{ direction: 'sideways' }, 'direction'],
    [{ status: 'ended' }, 'status'],
    [{ result: 'NOT ANSWERED' }, 'result'],
    [{ since: 'monday' }, 'since'],
    [{ since: '2026-02-02', until: '2026-02-01' }, 'until'],
    [{ limit: '0' }, 'limit'],
    [{ cursor: 'abc' }, 'cursor'],
    [{ cursor: encodeCursor('messages', '', { time: null, rank: 0, id: 'm' }) }, 'cursor'],
    [{ numbr: '+1' }, 'numbr'],
    [{ tag: 'x'.repeat(300) }, 'tag'],
  ])('rejects %j naming the parameter', (query, parameter) => {
    expect(parameterOf(() => parseCallsQuery(query))).toBe(parameter);
  });
});

describe('GET /v1/messages and /v1/conversations parameters', () => {
  it('reads filters', () => {
    expect(parseMessagesQuery({ number: '+14155550142', direction: 'Outbound' }).filter).toEqual({
      number: '+14155550142',
      direction: 'OUTBOUND',
      since: undefined,
      until: undefined,
    });
  });

  it('rejects call-only filters', () => {
    expect(parameterOf(() => parseMessagesQuery({ status: 'completed' }))).toBe('status');
    expect(parameterOf(() => parseConversationQuery('+14155550142', { direction: 'INBOUND' }))).toBe(
      'direction',
    );
  });

  it('binds conversation cursors to their number', () => {
    const cursor = encodeCursor('conversation', '+14155550142', { time: null, rank: 0, id: 'm' });
    expect(parseConversationQuery('+1 415 555 0142', { cursor }).after?.id).toBe('m');
    expect(parameterOf(() => parseConversationQuery('+14155550100', { cursor }))).toBe('cursor');
  });
});

describe('GET /v1/contacts parameters', () => {
  it('searches phone-like text by number, with and without +', () => {
    expect(parseContactSearch('415 555 0142')).toEqual({
      kind: 'number',
      numbers: ['4155550142', '+4155550142'],
    });
    expect(parseContactSearch('+14155550142')).toEqual({ kind: 'number', numbers: ['+14155550142'] });
  });

  it('searches other text as an escaped prefix', () => {
    expect(parseContactSearch(' Jordan W ')).toEqual({ kind: 'prefix', pattern: 'Jordan W%' });
    expect(parseContactSearch('50%_off\\')).toEqual({ kind: 'prefix', pattern: '50\\%\\_off\\\\%' });
  });

  it('rejects blank or unknown parameters', () => {
    expect(parameterOf(() => parseContactsQuery({ q: '   ' }))).toBe('q');
    expect(parameterOf(() => parseContactsQuery({ name: 'x' }))).toBe('name');
  });

  it('binds timeline cursors to their contact', () => {
    const cursor = encodeCursor('timeline', 'cnt_1', {
      time: '2026-02-03T09:00:00.000000Z',
      rank: 1,
      id: 'm',
    });
    expect(parseTimelineQuery('cnt_1', { cursor }).after).toEqual({
      time: '2026-02-03T09:00:00.000000Z',
      rank: 1,
      id: 'm',
    });
    expect(parameterOf(() => parseTimelineQuery('cnt_2', { cursor }))).toBe('cursor');
  });
});

describe('GET /v1/stats parameters', () => {
  it('defaults to the last 24 hours by hour', () => {
    expect(parseStatsQuery({}, NOW)).toEqual({
      since: new Date('2026-02-02T12:30:00Z'),
      until: new Date('2026-02-03T12:30:00Z'),
      bucket: 'hour',
    });
    expect(parseStatsQuery({ bucket: 'minute' }, NOW).since).toEqual(new Date('2026-02-03T11:30:00Z'));
  });

  it('limits minute buckets to 48 hours', () => {
    const until = '2026-02-03T00:00:00Z';
    expect(parseStatsQuery({ bucket: 'minute', since: '2026-02-01T00:00:00Z', until }, NOW).bucket).toBe(
      'minute',
    );
    expect(
      parameterOf(() => parseStatsQuery({ bucket: 'minute', since: '2026-01-31T23:59:00Z', until }, NOW)),
    ).toBe('since');
    expect(parameterOf(() => parseStatsQuery({ bucket: 'week' }, NOW))).toBe('bucket');
    expect(parameterOf(() => parseStatsQuery({ since: '2026-02-04T00:00:00Z' }, NOW))).toBe('since');
  });

  it('aligns buckets on UTC boundaries and covers the whole range', () => {
    const starts = bucketStarts({
      since: new Date('2026-02-03T09:12:00Z'),
      until: new Date('2026-02-03T11:00:00Z'),
      bucket: 'hour',
    });
    expect(starts.map((s) => new Date(s).toISOString())).toEqual([
      '2026-02-03T09:00:00.000Z',
      '2026-02-03T10:00:00.000Z',
    ]);
  });
});
