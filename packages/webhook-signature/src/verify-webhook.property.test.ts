import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { signWebhook } from './sign-webhook.js';
import { verifyWebhook, type VerifyWebhookInput } from './verify-webhook.js';
import type { WebhookSecret } from './webhook-secret.js';

const NOW_SECONDS = 1767225600;
const now = () => NOW_SECONDS * 1000 + 500;
const REASONS = [
  'missing-header',
  'invalid-timestamp',
  'stale-timestamp',
  'future-timestamp',
  'malformed-signature',
  'bad-signature',
];

const secrets = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes): WebhookSecret => ({ key: Buffer.from(bytes) }));
const bodies = fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes));
const ids = fc.string({ minLength: 1, maxLength: 256 });
const timestamps = fc.integer({ min: NOW_SECONDS - 300, max: NOW_SECONDS + 300 });

// Header names the verifier looks for, in random case, mixed with arbitrary names.
const headerNames = fc.oneof(
  fc
    .constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature')
    .chain((name) =>
      fc
        .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
        .map((upper) => [...name].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join('')),
    ),
  fc.string({ maxLength: 20 }),
);
const signatureLike = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.base64String({ maxLength: 60 }).map((b64) => `v1,${b64}`),
  fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((bytes) => `v1,${Buffer.from(bytes).toString('base64')}`),
  fc.constantFrom('v1', 'v1,', 'v1a,abc', 'v2,', ',', ' '),
);
const headerValues = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
  fc
    .tuple(fc.array(signatureLike, { maxLength: 40 }), fc.constantFrom(' ', ', ', ''))
    .map(([parts, separator]) => parts.join(separator)),
  fc.array(fc.oneof(fc.string({ maxLength: 30 }), signatureLike), { maxLength: 5 }),
  fc.constant(undefined),
);
const headerObjects = fc.dictionary(headerNames, headerValues, { maxKeys: 8 });

function verify(input: Partial<VerifyWebhookInput> & Pick<VerifyWebhookInput, 'body' | 'headers'>) {
  return verifyWebhook({ secrets: [], now, ...input });
}

describe('verifyWebhook properties', () => {
  it('never throws and never accepts random headers and bodies', () => {
    fc.assert(
      fc.property(headerObjects, bodies, fc.array(secrets, { maxLength: 3 }), (headers, body, keys) => {
        const outcome = verify({ headers, body, secrets: keys });
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(REASONS).toContain(outcome.reason);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws and never accepts random signature headers on valid id and timestamp', () => {
    fc.assert(
      fc.property(
        ids,
        timestamps,
        fc.array(signatureLike, { maxLength: 40 }),
        secrets,
        bodies,
        (id, ts, parts, secret, body) => {
          const headers = {
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': parts.join(' '),
          };
          const outcome = verify({ headers, body, secrets: [secret] });
          expect(outcome.ok).toBe(false);
          if (!outcome.ok)
            expect(['missing-header', 'malformed-signature', 'bad-signature']).toContain(outcome.reason);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts a correctly signed random body, among random headers, and rejects any single-byte flip', () => {
    fc.assert(
      fc.property(
        ids,
        timestamps,
        secrets,
        bodies,
        headerObjects,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (id, ts, secret, body, noise, position, flip) => {
          const signature = signWebhook({ id, timestamp: ts, body, secret });
          const headers = {
            ...noise,
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': signature,
          };
          expect(verify({ headers, body, secrets: [secret] })).toEqual({
            ok: true,
            secretIndex: 0,
            webhookId: id,
            timestamp: ts,
          });
          if (body.length === 0) return;
          const flipped = Buffer.from(body);
          const at = position % flipped.length;
          flipped.writeUInt8(flipped.readUInt8(at) ^ flip, at);
          expect(verify({ headers, body: flipped, secrets: [secret] })).toMatchObject({
            ok: false,
            reason: 'bad-signature',
          });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('rejects a changed id or timestamp with bad-signature', () => {
    fc.assert(
      fc.property(
        ids,
        ids,
        timestamps,
        timestamps,
        secrets,
        bodies,
        (id, otherId, ts, otherTs, secret, body) => {
          fc.pre(id !== otherId || ts !== otherTs);
          const signature = signWebhook({ id, timestamp: ts, body, secret });
          const headers = {
            'webhook-id': otherId,
            'webhook-timestamp': String(otherTs),
            'webhook-signature': signature,
          };
          expect(verify({ headers, body, secrets: [secret] })).toMatchObject({
            ok: false,
            reason: 'bad-signature',
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
