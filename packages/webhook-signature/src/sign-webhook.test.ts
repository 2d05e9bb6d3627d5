import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { signWebhook } from './sign-webhook.js';
import { parseSecret } from './webhook-secret.js';

// allo-webhooks-spec.md §2.5 (computed independently of this code).
const SPEC = {
  secret: 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=',
  id: 'msg_7QkR2vXc9LmN4pTz8sWd',
  timestamp: 1767225600,
  body: '{"topic":"sms.received","version":"2.0","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"msg_5HtYw2Lq8NcV1bRz6KpE","content":"Bonjour"}}',
  header: 'v1,3EsBtrrSKsLd4Sjn/0gD0gOpK7MKIZMY6a95m91gUsk=',
};

// standard-webhooks/standard-webhooks javascript/src/index.test.ts (re-derived with the
// `standardwebhooks` package before pinning).
const STANDARD = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  header: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signWebhook', () => {
  it.each([
    ['the spec §2.5 vector', SPEC],
    ['the Standard Webhooks vector', STANDARD],
  ])('reproduces %s from a string or a Buffer body', (_name, vector) => {
    const secret = parseSecret(vector.secret, 'V');
    const { id, timestamp } = vector;
    expect(signWebhook({ id, timestamp, body: vector.body, secret })).toBe(vector.header);
    expect(signWebhook({ id, timestamp, body: Buffer.from(vector.body), secret })).toBe(vector.header);
  });

  it('signs the raw bytes of a body that is not valid UTF-8', () => {
    const secret = parseSecret(SPEC.secret, 'V');
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x7d]);
    const expected = createHmac('sha256', secret.key)
      .update(Buffer.concat([Buffer.from(`${SPEC.id}.${SPEC.timestamp}.`), body]))
      .digest('base64');
    expect(signWebhook({ id: SPEC.id, timestamp: SPEC.timestamp, body, secret })).toBe(`v1,${expected}`);
    // A lossy string round trip of the body would produce another signature.
    const lossy = signWebhook({ id: SPEC.id, timestamp: SPEC.timestamp, body: body.toString(), secret });
    expect(lossy).not.toBe(`v1,${expected}`);
  });

  it.each([1.5, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 2])(
    'throws RangeError for timestamp %p',
    (timestamp) => {
      const secret = parseSecret(SPEC.secret, 'V');
      expect(() => signWebhook({ id: SPEC.id, timestamp, body: '', secret })).toThrow(RangeError);
    },
  );
});
