import { describe, expect, it } from '@jest/globals';
import { alloSecretFingerprint, secretKey } from './allo-secret-fingerprint.js';

const VECTOR = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';

describe('alloSecretFingerprint', () => {
  it("matches the gateway's known answer (services/gateway/src/secret-fingerprint.test.ts)", () => {
    // sha256(bytes 0x10..0x2F), the fact sheet's test-vector key, first 16 hex digits.
    expect(alloSecretFingerprint(VECTOR)).toBe('89c7460452eddff1');
  });
});

describe('secretKey', () => {
  it('decodes the test vector to its key bytes', () => {
    expect([...(secretKey(VECTOR) ?? [])]).toEqual(Array.from({ length: 32 }, (_, i) => i + 16));
  });

  it.each([
    '',
    'whsec_',
    'EBESExQV',
    'whsec_%%%',
    'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi9=',
    'whsec_A',
  ])('rejects %j', (text) => expect(secretKey(text)).toBeUndefined());
});
