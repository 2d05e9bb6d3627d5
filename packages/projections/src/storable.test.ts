import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { storableDate, storableJson, storableSeconds, storableText } from './storable.js';

describe('storable values', () => {
  it('replaces NUL and lone surrogates in text, and keeps everything else', () => {
    expect(storableText('before\u0000after')).toBe('before\uFFFDafter');
    expect(storableText('broken \ud800 pair')).toBe('broken \uFFFD pair');
    expect(storableText('tail \udc00')).toBe('tail \uFFFD');
    expect(storableText('emoji 😀 é')).toBe('emoji 😀 é');
  });

  it('leaves nothing Postgres refuses in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const out = storableText(text);
        expect(out).not.toContain('\u0000');
        expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out)).toBe(
          false,
        );
        expect(out.length).toBe(text.length);
      }),
    );
  });

  it('makes keys and values of a whole JSON document storable', () => {
    const json = JSON.stringify({ 'na\u0000me': ['a\u0000', { deep: '\ud800' }], n: 1 }, storableJson);
    expect(JSON.parse(json)).toEqual({ 'na\uFFFDme': ['a\uFFFD', { deep: '\uFFFD' }], n: 1 });
  });

  it('keeps only times Postgres can hold', () => {
    expect(storableDate('2026-02-03T09:12:04.201Z')).toEqual(new Date('2026-02-03T09:12:04.201Z'));
    expect(storableDate('0000-01-01T00:00:00Z')).toBeNull();
    expect(storableDate('-200000-01-01T00:00:00Z')).toBeNull();
    expect(storableDate('+275760-09-13T00:00:00Z')).toBeNull();
    expect(storableDate('not a date')).toBeNull();
    expect(storableDate(null)).toBeNull();
  });

  it('keeps only durations that fit the column', () => {
    expect(storableSeconds(7.25)).toBe(435);
    expect(storableSeconds(1e12)).toBeNull();
    expect(storableSeconds(-1)).toBeNull();
    expect(storableSeconds(Number.NaN)).toBeNull();
    expect(storableSeconds(null)).toBeNull();
  });
});
