import { describe, expect, it } from '@jest/globals';
import { storableJson } from '../storable.js';
import { copyLine, copyValue, CopyValueError, storableJsonText } from './copy-text.js';

describe('COPY text format', () => {
  it('escapes the characters COPY reads specially and writes NULL as \\N', () => {
    expect(copyValue('text', 'a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyValue('text', null)).toBe('\\N');
    expect(copyValue('jsonb', undefined)).toBe('\\N');
  });

  it('makes text storable as jsonRows does (NUL and lone surrogates become U+FFFD)', () => {
    expect(copyValue('text', 'a\u0000b\ud800')).toBe('a\uFFFDb\uFFFD');
    expect(copyValue('jsonb', { 'k\u0000': 'v\ud800' })).toBe('{"k\uFFFD":"v\uFFFD"}');
  });

  it('writes jsonb as JSON text, escaped for COPY', () => {
    expect(copyValue('jsonb', { a: 'line\nbreak', b: [1, null] })).toBe(
      '{"a":"line\\\\nbreak","b":[1,null]}',
    );
  });

  it('writes times as ISO strings, integers as digits, text[] as quoted array literals', () => {
    expect(copyValue('timestamptz', new Date('2026-02-03T09:00:00Z'))).toBe('2026-02-03T09:00:00.000Z');
    expect(copyValue('integer', 435)).toBe('435');
    expect(copyValue('text[]', ['a"b', 'c\\d', 'tab\there', ''])).toBe(
      '{"a\\\\"b","c\\\\\\\\d","tab\\there",""}',
    );
    expect(copyValue('text[]', [])).toBe('{}');
  });

  it('refuses a value of the wrong kind (a defect of the column mapping, not data)', () => {
    expect(() => copyValue('text', 5)).toThrow(CopyValueError);
    expect(() => copyValue('integer', 1.5)).toThrow(CopyValueError);
    expect(() => copyValue('timestamptz', '2026-02-03')).toThrow(CopyValueError);
  });

  it('joins a row with tabs and ends it with a newline', () => {
    const columns = [
      { name: 'a', kind: 'text' },
      { name: 'b', kind: 'integer' },
    ] as const;
    expect(copyLine(columns, ['x', null])).toBe('x\t\\N\n');
  });
});

describe('storableJsonText', () => {
  it('equals JSON.stringify with storableJson for every kind of string', () => {
    const values = [
      { a: 'plain', b: [1, 'x'] },
      { a: 'nul\u0000' },
      { 'key\u0000': 1 },
      { a: 'lone \ud800 high', b: 'lone \udc00 low', c: 'pair \ud83d\ude00' },
      { a: 'literal \\u0000 text' },
      ['\u0000'],
    ];
    for (const value of values) expect(storableJsonText(value)).toBe(JSON.stringify(value, storableJson));
  });
});
