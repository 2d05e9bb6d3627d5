import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  looksLikePhoneNumber,
  parseInstant,
  parseLimit,
  parsePathId,
  parsePhoneNumber,
  parseRange,
  readQuery,
} from './query-params.js';
import { parameterOf } from './test-helpers.js';

describe('readQuery', () => {
  it('returns the known parameters', () => {
    expect(readQuery({ a: '1', b: 'x' }, ['a', 'b', 'c'])).toEqual({ a: '1', b: 'x' });
  });

  it.each([
    [{ nope: '1' }, 'nope'],
    [{ a: ['1', '2'] }, 'a'],
    [{ a: '' }, 'a'],
  ])('rejects %j naming the parameter', (query, parameter) => {
    expect(parameterOf(() => readQuery(query, ['a']))).toBe(parameter);
  });
});

describe('parseLimit', () => {
  it('defaults to 50 and accepts 1..500', () => {
    expect(parseLimit(undefined)).toBe(50);
    fc.assert(fc.property(fc.integer({ min: 1, max: 500 }), (n) => parseLimit(String(n)) === n));
  });

  it.each(['0', '501', '-1', '1.5', 'ten', ' 5', '1e2'])('rejects %s', (value) => {
    expect(parameterOf(() => parseLimit(value))).toBe('limit');
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-02-03T09:12:04Z', '2026-02-03T09:12:04.000Z'],
    ['2026-02-03T09:12:04.201Z', '2026-02-03T09:12:04.201Z'],
    ['2026-02-03T09:12:04.201999Z', '2026-02-03T09:12:04.201Z'],
    ['2026-02-03T10:12:04+01:00', '2026-02-03T09:12:04.000Z'],
    ['2026-02-03T10:12:04+0100', '2026-02-03T09:12:04.000Z'],
    ['2026-02-03T10:12:04 01:00', '2026-02-03T09:12:04.000Z'],
    ['2026-02-03T09:12Z', '2026-02-03T09:12:00.000Z'],
    ['2026-02-03', '2026-02-03T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseInstant('since', text).toISOString()).toBe(iso);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-13-01',
    '2026-02-03T24:00:00Z',
    '2026-02-03T09:12:04',
    'yesterday',
    '1770109924',
  ])('rejects %s naming the parameter', (text) => {
    expect(parameterOf(() => parseInstant('until', text))).toBe('until');
  });

  it('round-trips any ISO string', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01Z'), max: new Date('9999-12-31Z'), noInvalidDate: true }),
        (date) => {
          expect(parseInstant('since', date.toISOString()).getTime()).toBe(date.getTime());
        },
      ),
    );
  });
});

describe('parseRange', () => {
  it('requires since before until', () => {
    expect(parameterOf(() => parseRange({ since: '2026-02-03', until: '2026-02-03' }))).toBe('until');
    expect(parseRange({ since: '2026-02-03' })).toEqual({ since: new Date('2026-02-03Z'), until: undefined });
  });
});

describe('phone numbers', () => {
  it.each([
    ['+14155550142', '+14155550142'],
    [' 14155550142', '+14155550142'],
    ['+1 (415) 555-0142', '+14155550142'],
    ['0033.6.12.34.56.78', '0033612345678'],
    ['ALLO', 'ALLO'],
  ])('normalises %j to %j', (raw, normalized) => {
    expect(parsePhoneNumber('number', raw)).toBe(normalized);
  });

  it.each(['+', '   ', 'x'.repeat(65), 'a\u0000b'])('rejects %j', (raw) => {
    expect(parameterOf(() => parsePhoneNumber('number', raw))).toBe('number');
  });

  it('tells phone-like search text from names', () => {
    expect(looksLikePhoneNumber('+1 415 555')).toBe(true);
    expect(looksLikePhoneNumber(' 1415')).toBe(true);
    expect(looksLikePhoneNumber('12')).toBe(false);
    expect(looksLikePhoneNumber('jordan')).toBe(false);
    expect(looksLikePhoneNumber('r2d2')).toBe(false);
  });
});

describe('parsePathId', () => {
  it('passes ids as stored, non-ASCII and punctuation included', () => {
    for (const id of [
      'cll_1',
      'ringing:+14155550177|+14155550100|2026-02-03T11:00:00.000Z',
      'é😀',
      'a'.repeat(256),
    ]) {
      expect(parsePathId('id', id)).toBe(id);
    }
  });

  it.each(['', 'x\u0000y', 'x\u0007y', 'x\uD800', 'a'.repeat(257)])('rejects %j naming the id', (raw) => {
    expect(parameterOf(() => parsePathId('id', raw))).toBe('id');
  });
});
