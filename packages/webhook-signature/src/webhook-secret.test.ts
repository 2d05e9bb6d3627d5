import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { generateSecret, parseSecret, parseSecretList, WebhookSecretConfigError } from './webhook-secret.js';

const SPEC_SECRET = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
const OTHER_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function configErrorOf(run: () => unknown): WebhookSecretConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookSecretConfigError) return error;
    throw error;
  }
  throw new Error('expected a WebhookSecretConfigError');
}

describe('parseSecret', () => {
  it('decodes the base64 after whsec_ into the key bytes (spec §2.5)', () => {
    const key = parseSecret(SPEC_SECRET, 'ALLO_WEBHOOK_SECRET').key;
    expect(key).toEqual(Buffer.from(Array.from({ length: 32 }, (_, i) => 0x10 + i)));
  });

  it('ignores surrounding whitespace and accepts unpadded base64', () => {
    expect(parseSecret(`  ${SPEC_SECRET}\n`, 'V').key).toHaveLength(32);
    expect(parseSecret('whsec_YQ', 'V').key).toEqual(Buffer.from('a'));
  });

  it.each([
    ['a wrong prefix', 'whsek_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=', /starting with "whsec_"/],
    ['no prefix', 'EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=', /starting with "whsec_"/],
    ['an empty value', '', /starting with "whsec_"/],
    ['an empty key', 'whsec_', /empty/],
    ['characters outside base64', 'whsec_EBES!xQV', /not valid base64/],
    ['url-safe base64', 'whsec_-_-_', /not valid base64/],
    ['non-canonical trailing bits', 'whsec_YR==', /not valid base64/],
    ['a truncated quantum', 'whsec_YWJjZ', /not valid base64/],
    ['padding only', 'whsec_====', /not valid base64/],
  ])('rejects %s, naming the variable but never the value', (_case, value, problem) => {
    const error = configErrorOf(() => parseSecret(value, 'ALLO_WEBHOOK_SECRET'));
    expect(error.variable).toBe('ALLO_WEBHOOK_SECRET');
    expect(error.name).toBe('WebhookSecretConfigError');
    expect(error.message).toMatch(/^ALLO_WEBHOOK_SECRET: /);
    expect(error.message).toMatch(problem);
    if (value.length > 6) expect(error.message).not.toContain(value.slice(6));
  });

  it('keeps the key out of JSON and util.inspect output', () => {
    const secret = parseSecret(SPEC_SECRET, 'V');
    for (const printed of [JSON.stringify({ secret }), inspect(secret), inspect({ secret }, { depth: 5 })]) {
      expect(printed).not.toContain(SPEC_SECRET.slice(6));
      expect(printed).not.toContain(secret.key.toString('hex'));
      expect(printed).toContain('redacted');
    }
  });

  it('round-trips any key and throws only WebhookSecretConfigError for any string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const key = Buffer.from(bytes);
        expect(parseSecret(`whsec_${key.toString('base64')}`, 'V').key).toEqual(key);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        try {
          expect(parseSecret(`whsec_${value}`, 'V').key.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookSecretConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSecretList', () => {
  it('splits on spaces and/or commas, keeping the order', () => {
    const secrets = parseSecretList(` ${SPEC_SECRET}, ${OTHER_SECRET} ,,${SPEC_SECRET}\t`, 'V');
    expect(secrets.map((secret) => secret.key.length)).toEqual([32, 24, 32]);
    expect(secrets[1]?.key).toEqual(parseSecret(OTHER_SECRET, 'V').key);
    expect(parseSecretList(SPEC_SECRET, 'V')).toHaveLength(1);
  });

  it.each(['', '   ', ' , ,'])('rejects an empty list %j, naming the variable', (value) => {
    const error = configErrorOf(() => parseSecretList(value, 'ALLO_WEBHOOK_SECRETS'));
    expect(error.variable).toBe('ALLO_WEBHOOK_SECRETS');
    expect(error.message).toBe('ALLO_WEBHOOK_SECRETS: expected at least one "whsec_" secret, got none');
  });

  it('names the variable and the failing entry', () => {
    const error = configErrorOf(() => parseSecretList(`${SPEC_SECRET} whsec_YR==`, 'ALLO_WEBHOOK_SECRETS'));
    expect(error.variable).toBe('ALLO_WEBHOOK_SECRETS');
    expect(error.message).toBe(
      'ALLO_WEBHOOK_SECRETS: entry 2 of 2: the key after "whsec_" is not valid base64',
    );
  });
});

describe('generateSecret', () => {
  it('returns distinct whsec_ secrets of 32 random bytes that parse back', () => {
    const generated = new Set(Array.from({ length: 100 }, () => generateSecret()));
    expect(generated.size).toBe(100);
    for (const value of generated) {
      expect(value).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(parseSecret(value, 'V').key).toHaveLength(32);
    }
  });
});
