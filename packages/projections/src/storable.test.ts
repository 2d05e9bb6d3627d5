import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  indexableText,
  MAX_INDEXED_LENGTH,
  storableDate,
  storableJson,
  storableSeconds,
  storableText,
} from './storable.js';

// Strings made mostly of what Postgres refuses, beside what it takes (an emoji is a valid pair).
const hostileUnit = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  'a',
  'é',
  '😀',
  '\uFFFD',
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 12 });
const isStorable = (text: string) => !text.includes('\u0000') && text.isWellFormed();

/** Every string and object key of a parsed JSON value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, v]) => [key, ...stringsOf(v)]);
  return [];
}

describe('storable text', () => {
  it('replaces NUL and lone surrogates, and keeps everything else', () => {
    expect(storableText('before\u0000after')).toBe('before\uFFFDafter');
    expect(storableText('broken \ud800 pair')).toBe('broken \uFFFD pair');
    expect(storableText('tail \udc00')).toBe('tail \uFFFD');
    expect(storableText('emoji 😀 é')).toBe('emoji 😀 é');
  });

  it('leaves nothing Postgres refuses in any string, position for position', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.string({ unit: 'binary' })), (text) => {
        const out = storableText(text);
        expect(isStorable(out)).toBe(true);
        expect(out.length).toBe(text.length);
        if (isStorable(text)) expect(out).toBe(text);
      }),
    );
  });

  it('makes every key and string of any JSON document storable, and nothing else changes', () => {
    // The model: each string and key on its own; keys that store alike become one (the later wins).
    const model = (value: unknown): unknown => {
      if (typeof value === 'string') return storableText(value);
      if (Array.isArray(value)) return value.map(model);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), model(v)]));
    };
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: hostileUnit, maxDepth: 4 }), (value) => {
        const stored: unknown = JSON.parse(JSON.stringify(value, storableJson));
        expect(stringsOf(stored).every(isStorable)).toBe(true);
        expect(stored).toEqual(JSON.parse(JSON.stringify(model(value))));
      }),
    );
    const json = JSON.stringify({ 'na\u0000me': ['a\u0000', { deep: '\ud800' }], n: 1 }, storableJson);
    expect(JSON.parse(json)).toEqual({ 'na\uFFFDme': ['a\uFFFD', { deep: '\uFFFD' }], n: 1 });
  });

  it('cuts indexed text to the limit, never inside a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, maxLength: 400 }), (text) => {
        const cut = indexableText(text) ?? '';
        expect(cut.length).toBeLessThanOrEqual(MAX_INDEXED_LENGTH);
        expect(text.startsWith(cut)).toBe(true);
        if (text.length <= MAX_INDEXED_LENGTH) expect(cut).toBe(text);
        else expect(cut.length).toBeGreaterThanOrEqual(MAX_INDEXED_LENGTH - 1);
      }),
    );
    expect(indexableText('x'.repeat(MAX_INDEXED_LENGTH - 1) + '😀')).toBe('x'.repeat(MAX_INDEXED_LENGTH - 1));
    expect(indexableText(null)).toBeNull();
  });
});

describe('storable times and durations', () => {
  it('keeps only times Postgres can hold', () => {
    expect(storableDate('2026-02-03T09:12:04.201Z')).toEqual(new Date('2026-02-03T09:12:04.201Z'));
    expect(storableDate('0001-01-01T00:00:00.000Z')).toEqual(new Date('0001-01-01T00:00:00.000Z'));
    expect(storableDate('9999-12-31T23:59:59.999Z')).toEqual(new Date('9999-12-31T23:59:59.999Z'));
    expect(storableDate('0000-01-01T00:00:00Z')).toBeNull();
    expect(storableDate('-200000-01-01T00:00:00Z')).toBeNull();
    expect(storableDate('+275760-09-13T00:00:00Z')).toBeNull();
    expect(storableDate('not a date')).toBeNull();
    expect(storableDate(null)).toBeNull();
  });

  it('gives, for any date, null or one whose ISO form Postgres reads (a 4-digit year)', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: false }), (date) => {
        const stored = storableDate(date);
        if (stored !== null) expect(stored.toISOString()).toMatch(/^\d{4}-\d\d-\d\dT/);
        else expect(Number.isNaN(date.getTime()) || !/^\d{4}-/.test(date.toISOString())).toBe(true);
      }),
    );
  });

  it('keeps only durations that fit the column', () => {
    expect(storableSeconds(7.25)).toBe(435);
    expect(storableSeconds(35_791_394.1)).toBe(2_147_483_646);
    expect(storableSeconds(35_791_395)).toBeNull();
    expect(storableSeconds(1e12)).toBeNull();
    expect(storableSeconds(-1)).toBeNull();
    expect(storableSeconds(Number.NaN)).toBeNull();
    expect(storableSeconds(null)).toBeNull();
    fc.assert(
      fc.property(fc.double(), (minutes) => {
        const seconds = storableSeconds(minutes);
        if (seconds !== null) {
          expect(Number.isInteger(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(0);
          expect(seconds).toBeLessThanOrEqual(2_147_483_647);
        }
      }),
    );
  });
});
