import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTokenVerifier } from './bearer-auth.js';

describe('createTokenVerifier', () => {
  const verify = createTokenVerifier(['first-token', 'second-token']);

  it('accepts every configured token, scheme case-insensitive', () => {
    expect(verify('Bearer first-token')).toEqual({ ok: true });
    expect(verify('bearer second-token')).toEqual({ ok: true });
    expect(verify('BEARER   first-token ')).toEqual({ ok: true });
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['first-token', 'malformed'],
    ['Basic Zmlyc3QtdG9rZW4=', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer first token', 'malformed'],
    ['Bearer first-token2', 'invalid'],
    ['Bearer FIRST-TOKEN', 'invalid'],
    ['Bearer first-toke', 'invalid'],
  ])('rejects %j as %s', (header, reason) => {
    expect(verify(header)).toEqual({ ok: false, reason });
  });

  it('accepts nothing but the configured tokens', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (token) => {
        fc.pre(token !== 'first-token' && token !== 'second-token');
        expect(verify(`Bearer ${token}`).ok).toBe(false);
      }),
    );
  });
});
