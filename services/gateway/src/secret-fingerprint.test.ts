import { describe, expect, it } from '@jest/globals';
import { parseSecret } from '@allo-pipeline/webhook-signature';
import { secretFingerprint } from './secret-fingerprint.js';

describe('secretFingerprint', () => {
  it('matches the known answer the CLI also checks (allo-secret-fingerprint.test.ts)', () => {
    // The fact sheet's test vector secret (key bytes 0x10..0x2F).
    const secret = parseSecret('whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=', 'TEST');
    expect(secretFingerprint(secret)).toBe(KNOWN_FINGERPRINT);
  });
});

// sha256(bytes 0x10..0x2F) computed independently with node:crypto, first 16 hex digits.
const KNOWN_FINGERPRINT = '89c7460452eddff1';
