import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ApiError } from './api-error.js';
import { decodeCursor, encodeCursor, type CursorKey, type CursorKind } from './cursor.js';
import { isPostgresText } from './postgres-text.js';

const kinds: CursorKind[] = ['calls', 'messages', 'contacts', 'conversation', 'timeline'];

const keyArb: fc.Arbitrary<CursorKey> = fc.record({
  time: fc.option(
    fc
      .tuple(
        fc.date({ min: new Date('1970-01-01Z'), max: new Date('9999-12-31Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(([date, micros]) => date.toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`)),
  ),
  rank: fc.constantFrom(0, 1),
  // Ids as the read models store them: text Postgres can hold.
  id: fc.string({ unit: 'grapheme', maxLength: 80 }).filter(isPostgresText),
});

function rejection(run: () => unknown): ApiError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  return undefined;
}

describe('cursors', () => {
  it('round-trip any key for the list that issued them', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.string({ maxLength: 20 }), keyArb, (kind, scope, key) => {
        const cursor = encodeCursor(kind, scope, key);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(decodeCursor(cursor, kind, scope)).toEqual(key);
      }),
    );
  });

  it('reject any single-character edit with a 400 naming cursor', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=';
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        keyArb,
        fc.nat(),
        fc.constantFrom(...alphabet),
        (kind, key, position, replacement) => {
          const cursor = encodeCursor(kind, '', key);
          const index = position % cursor.length;
          fc.pre(cursor[index] !== replacement);
          const tampered = cursor.slice(0, index) + replacement + cursor.slice(index + 1);
          const error = rejection(() => decodeCursor(tampered, kind));
          expect(error?.status).toBe(400);
          expect(error?.parameter).toBe('cursor');
        },
      ),
    );
  });

  it('reject truncation, extension and garbage', () => {
    fc.assert(
      fc.property(keyArb, fc.nat(), fc.string({ minLength: 1, maxLength: 5 }), (key, cut, extra) => {
        const cursor = encodeCursor('calls', '', key);
        expect(rejection(() => decodeCursor(cursor.slice(0, cut % cursor.length), 'calls'))?.parameter).toBe(
          'cursor',
        );
        expect(rejection(() => decodeCursor(cursor + extra, 'calls'))?.parameter).toBe('cursor');
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (garbage) => {
        expect(rejection(() => decodeCursor(garbage, 'calls'))?.parameter).toBe('cursor');
      }),
    );
  });

  it('reject a well-formed cursor whose time Postgres cannot compare with (forged, checksum and all)', () => {
    for (const time of [
      '2026-13-01T00:00:00.000000Z',
      '2026-02-30T00:00:00.000000Z',
      '0000-01-01T00:00:00.000000Z',
      '2026-01-01T24:00:00.000000Z',
    ]) {
      const forged = encodeCursor('calls', '', { time, rank: 0, id: 'cll_1' });
      expect([time, rejection(() => decodeCursor(forged, 'calls'))?.parameter]).toEqual([time, 'cursor']);
    }
    for (const time of [
      '0001-01-01T00:00:00.000000Z',
      '9999-12-31T23:59:59.999999Z',
      '2028-02-29T12:00:00.000001Z',
    ]) {
      expect(decodeCursor(encodeCursor('calls', '', { time, rank: 0, id: 'cll_1' }), 'calls').time).toBe(
        time,
      );
    }
  });

  it('reject a forged cursor whose id Postgres cannot hold (NUL, lone surrogate)', () => {
    for (const id of ['cll\u00001', 'cll_\uD800', '\uDC00']) {
      const forged = encodeCursor('calls', '', { time: null, rank: 0, id });
      expect([id, rejection(() => decodeCursor(forged, 'calls'))?.parameter]).toEqual([id, 'cursor']);
    }
  });

  it('reject a cursor from another list or another scope', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.constantFrom(...kinds), keyArb, (issuer, user, key) => {
        fc.pre(issuer !== user);
        const error = rejection(() => decodeCursor(encodeCursor(issuer, '', key), user));
        expect(error?.code).toBe('invalid_parameter');
        expect(error?.parameter).toBe('cursor');
      }),
    );
    const cursor = encodeCursor('conversation', '+14155550142', { time: null, rank: 0, id: 'm1' });
    expect(rejection(() => decodeCursor(cursor, 'conversation', '+14155550100'))?.parameter).toBe('cursor');
  });
});
