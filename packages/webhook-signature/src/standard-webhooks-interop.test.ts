import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { signWebhook } from './sign-webhook.js';
import { verifyWebhook } from './verify-webhook.js';
import { generateSecret, parseSecret } from './webhook-secret.js';

// The official `standardwebhooks` package (the reference implementation of the scheme Allo uses).
// It signs strings (a Buffer is decoded as UTF-8 first), so payloads here are strings.

const messageIds = fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/);
const payloads = fc.string({ unit: 'binary', maxLength: 300 });

describe('interoperability with the standardwebhooks package', () => {
  it('agrees on the Standard Webhooks repository test vector', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const [id, timestamp, payload] = [
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    ] as const;
    const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(new Webhook(secret).sign(id, new Date(timestamp * 1000), payload)).toBe(expected);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': expected,
    };
    const outcome = verifyWebhook({
      body: Buffer.from(payload),
      headers,
      secrets: [parseSecret(secret, 'V')],
      now: () => (timestamp + 1) * 1000,
    });
    expect(outcome).toEqual({ ok: true, secretIndex: 0, webhookId: id, timestamp });
  });

  it('verifies what standardwebhooks signs', () => {
    fc.assert(
      fc.property(
        messageIds,
        fc.integer({ min: 1_500_000_000, max: 2_500_000_000 }),
        payloads,
        (id, timestamp, payload) => {
          const secret = generateSecret();
          const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), payload);
          const outcome = verifyWebhook({
            body: Buffer.from(payload, 'utf8'),
            headers: {
              'webhook-id': id,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': signature,
            },
            secrets: [parseSecret(generateSecret(), 'V'), parseSecret(secret, 'V')],
            now: () => timestamp * 1000,
          });
          expect(outcome).toEqual({ ok: true, secretIndex: 1, webhookId: id, timestamp });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('produces what standardwebhooks verifies (at the current time)', () => {
    fc.assert(
      fc.property(messageIds, payloads, (id, payload) => {
        const secret = generateSecret();
        const timestamp = Math.floor(Date.now() / 1000);
        const signature = signWebhook({ id, timestamp, body: payload, secret: parseSecret(secret, 'V') });
        expect(signature).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), payload));
        const headers = {
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        };
        expect(() =>
          new Webhook(secret).verify(Buffer.from(payload), headers, { jsonParse: false }),
        ).not.toThrow();
        expect(() => new Webhook(generateSecret()).verify(payload, headers, { jsonParse: false })).toThrow(
          /No matching signature/,
        );
      }),
      { numRuns: 300 },
    );
  });
});
