import { describe, expect, it } from '@jest/globals';
import { signWebhook } from './sign-webhook.js';
import { verifyWebhook, type VerifyOutcome, type VerifyWebhookInput } from './verify-webhook.js';
import { generateSecret, parseSecret } from './webhook-secret.js';

// allo-webhooks-spec.md §2.5.
const SECRET_TEXT = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
const SECRET = parseSecret(SECRET_TEXT, 'V');
const ID = 'msg_7QkR2vXc9LmN4pTz8sWd';
const TIMESTAMP = 1767225600;
const BODY = Buffer.from(
  '{"topic":"sms.received","version":"2.0","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"msg_5HtYw2Lq8NcV1bRz6KpE","content":"Bonjour"}}',
);
const SIGNATURE = 'v1,3EsBtrrSKsLd4Sjn/0gD0gOpK7MKIZMY6a95m91gUsk=';
const WRONG = signWebhook({
  id: ID,
  timestamp: TIMESTAMP,
  body: BODY,
  secret: parseSecret(generateSecret(), 'V'),
});

const atSeconds = (seconds: number) => () => seconds * 1000;
const specHeaders = {
  'webhook-id': ID,
  'webhook-timestamp': String(TIMESTAMP),
  'webhook-signature': SIGNATURE,
};

/** Verifies the spec vector at 12 s after its timestamp, with any input overridden. */
function verify(overrides: Partial<VerifyWebhookInput> = {}): VerifyOutcome {
  return verifyWebhook({
    body: BODY,
    headers: specHeaders,
    secrets: [SECRET],
    now: atSeconds(TIMESTAMP + 12),
    ...overrides,
  });
}

function withHeaders(headers: Record<string, string | string[] | undefined>): VerifyOutcome {
  return verify({ headers: { ...specHeaders, ...headers } });
}

function expectFailure(outcome: VerifyOutcome, reason: string): void {
  expect(outcome).toMatchObject({ ok: false, reason });
  // Messages go back to the client: no secret, no expected signature.
  if (!outcome.ok) {
    expect(outcome.message).not.toContain(SECRET_TEXT.slice(6));
    expect(outcome.message).not.toContain(SIGNATURE.slice(3));
    expect(outcome.message.length).toBeLessThan(200);
  }
}

describe('verifyWebhook', () => {
  it('accepts the spec §2.5 known-answer vector', () => {
    expect(verify()).toEqual({ ok: true, secretIndex: 0, webhookId: ID, timestamp: TIMESTAMP });
  });

  it('verifies the raw bytes of a body that is not valid UTF-8', () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x7d]);
    const signature = signWebhook({ id: ID, timestamp: TIMESTAMP, body, secret: SECRET });
    expect(verify({ body, headers: { ...specHeaders, 'webhook-signature': signature } }).ok).toBe(true);
  });

  describe('missing-header', () => {
    it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
      'when %s is absent or empty',
      (name) => {
        const absent = verify({ headers: { ...specHeaders, [name]: undefined } });
        expectFailure(absent, 'missing-header');
        expect(!absent.ok && absent.message).toBe(`missing or empty header: ${name}`);
        expectFailure(withHeaders({ [name]: '' }), 'missing-header');
        expectFailure(withHeaders({ [name]: [] }), 'missing-header');
      },
    );

    it('lists every missing header', () => {
      const outcome = verify({ headers: {} });
      expectFailure(outcome, 'missing-header');
      expect(!outcome.ok && outcome.message).toBe(
        'missing or empty header: webhook-id, webhook-timestamp, webhook-signature',
      );
    });

    it('when webhook-id is longer than 256 characters', () => {
      const id = 'm'.repeat(256);
      const signature = signWebhook({ id, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
      expect(withHeaders({ 'webhook-id': id, 'webhook-signature': signature }).ok).toBe(true);
      const longId = 'm'.repeat(257);
      const longSignature = signWebhook({ id: longId, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
      expectFailure(
        withHeaders({ 'webhook-id': longId, 'webhook-signature': longSignature }),
        'missing-header',
      );
    });

    it.each(['msg_\tx', 'msg_\u0000x', 'msg_\u0001', 'msg_\u001fx', 'msg_\u007f', 'msg_\r\nx-injected: 1'])(
      'when webhook-id %j holds a control character, even correctly signed',
      (id) => {
        const signature = signWebhook({ id, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
        const outcome = withHeaders({ 'webhook-id': id, 'webhook-signature': signature });
        expectFailure(outcome, 'missing-header');
        expect(!outcome.ok && outcome.message).toBe('webhook-id header contains control characters');
      },
    );
  });

  it.each([
    'abc',
    '1767225600.0',
    '1767225600 ',
    ' 1767225600',
    '-1767225600',
    '+1767225600',
    '01767225600',
    '1.7e9',
    '0x6955B900',
    '1'.repeat(16),
    '١٧٦٧٢٢٥٦٠٠',
  ])('rejects timestamp %j as invalid-timestamp', (timestamp) =>
    expectFailure(withHeaders({ 'webhook-timestamp': timestamp }), 'invalid-timestamp'),
  );

  describe('tolerance', () => {
    it('accepts exactly 300 s either way and rejects 301 s', () => {
      expect(verify({ now: atSeconds(TIMESTAMP + 300) }).ok).toBe(true);
      expect(verify({ now: atSeconds(TIMESTAMP - 300) }).ok).toBe(true);
      expect(verify({ now: () => (TIMESTAMP + 300) * 1000 + 999 }).ok).toBe(true);
      expectFailure(verify({ now: atSeconds(TIMESTAMP + 301) }), 'stale-timestamp');
      expectFailure(verify({ now: atSeconds(TIMESTAMP - 301) }), 'future-timestamp');
    });

    it('honours toleranceSeconds', () => {
      expect(verify({ now: atSeconds(TIMESTAMP + 12), toleranceSeconds: 12 }).ok).toBe(true);
      expectFailure(verify({ now: atSeconds(TIMESTAMP + 13), toleranceSeconds: 12 }), 'stale-timestamp');
      expectFailure(verify({ now: atSeconds(TIMESTAMP - 13), toleranceSeconds: 12 }), 'future-timestamp');
    });

    it('fails closed on a NaN clock or tolerance', () => {
      expectFailure(verify({ now: () => Number.NaN }), 'stale-timestamp');
      expectFailure(verify({ toleranceSeconds: Number.NaN }), 'stale-timestamp');
    });

    it('checks the timestamp before the signature', () => {
      expectFailure(
        withHeaders({ 'webhook-timestamp': '1767220000', 'webhook-signature': 'junk' }),
        'stale-timestamp',
      );
    });
  });

  describe('malformed-signature', () => {
    it.each([
      ['no comma', 'v1'],
      ['an empty v1 signature', 'v1,'],
      ['non-base64', 'v1,not*base64'],
      ['a truncated digest', SIGNATURE.slice(0, 20)],
      ['a digest without padding', SIGNATURE.slice(0, -1)],
      ['only other versions', `v2,${SIGNATURE.slice(3)} v1a,${SIGNATURE.slice(3)}`],
      ['blank entries', '   '],
      ['a v1 label in another case', `V1,${SIGNATURE.slice(3)}`],
    ])('for %s', (_case, signature) => {
      expectFailure(
        withHeaders({ 'webhook-signature': signature }),
        signature.trim() === '' ? 'missing-header' : 'malformed-signature',
      );
    });

    it('for more than 32 entries, even if one is valid', () => {
      expect(withHeaders({ 'webhook-signature': `${Array(31).fill(WRONG).join(' ')} ${SIGNATURE}` }).ok).toBe(
        true,
      );
      expectFailure(
        withHeaders({ 'webhook-signature': `${Array(32).fill(WRONG).join(' ')} ${SIGNATURE}` }),
        'malformed-signature',
      );
    });

    it('for a header longer than 8 KiB, without splitting it', () => {
      const padded = `${SIGNATURE}${' '.repeat(8192 - SIGNATURE.length)}`;
      expect(withHeaders({ 'webhook-signature': padded }).ok).toBe(true);
      expectFailure(withHeaders({ 'webhook-signature': `${padded} ` }), 'malformed-signature');
      expectFailure(
        withHeaders({ 'webhook-signature': `${SIGNATURE} ${'x'.repeat(10_000_000)}` }),
        'malformed-signature',
      );
    });
  });

  describe('bad-signature', () => {
    it('for another secret', () => {
      expectFailure(verify({ secrets: [parseSecret(generateSecret(), 'V')] }), 'bad-signature');
      expectFailure(verify({ secrets: [] }), 'bad-signature');
    });

    it('when the body, the id or the timestamp is altered', () => {
      const body = Buffer.from(BODY);
      body.writeUInt8(body.readUInt8(body.length - 3) ^ 0x01, body.length - 3);
      expectFailure(verify({ body }), 'bad-signature');
      expectFailure(verify({ body: Buffer.concat([BODY, Buffer.from('\n')]) }), 'bad-signature');
      expectFailure(withHeaders({ 'webhook-id': `${ID}x` }), 'bad-signature');
      expectFailure(withHeaders({ 'webhook-timestamp': String(TIMESTAMP + 1) }), 'bad-signature');
    });

    it('when the body is not raw bytes', () => {
      const text = BODY.toString() as unknown as Buffer;
      expectFailure(verify({ body: text }), 'bad-signature');
    });
  });

  it('ignores unknown versions next to a valid v1 entry', () => {
    const signature = `v1a,${SIGNATURE.slice(3)} v2,abc ${WRONG} ${SIGNATURE} garbage`;
    expect(withHeaders({ 'webhook-signature': signature }).ok).toBe(true);
  });

  it('reports the index of the first matching secret (rotation)', () => {
    const others = [parseSecret(generateSecret(), 'V'), parseSecret(generateSecret(), 'V')];
    expect(verify({ secrets: [...others, SECRET] })).toMatchObject({ ok: true, secretIndex: 2 });
    expect(verify({ secrets: [others[0]!, SECRET, others[1]!] })).toMatchObject({ ok: true, secretIndex: 1 });
    const byNewest = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: others[0]! });
    const outcome = withHeaders({ 'webhook-signature': `${SIGNATURE} ${byNewest}` });
    expect(outcome).toMatchObject({ ok: true, secretIndex: 0 });
    expect(
      verify({
        headers: { ...specHeaders, 'webhook-signature': `${SIGNATURE} ${byNewest}` },
        secrets: [SECRET, ...others],
      }),
    ).toMatchObject({ ok: true, secretIndex: 0 });
  });

  describe('header names and repeated headers', () => {
    it('matches header names in any case', () => {
      const headers = {
        'Webhook-Id': ID,
        'WEBHOOK-TIMESTAMP': String(TIMESTAMP),
        'webHook-Signature': SIGNATURE,
      };
      expect(verify({ headers })).toMatchObject({ ok: true, webhookId: ID });
    });

    it('prefers the lowercase key, then the first key in any case', () => {
      expect(withHeaders({ 'Webhook-Id': 'other' }).ok).toBe(true);
      const headers = { ...specHeaders, 'webhook-id': undefined, 'WEBHOOK-ID': ID, 'Webhook-Id': 'other' };
      expect(verify({ headers }).ok).toBe(true);
    });

    it('accepts node-style headers (NodeJS.Dict)', () => {
      const headers: NodeJS.Dict<string | string[]> = { ...specHeaders, 'set-cookie': ['a=b'] };
      expect(verify({ headers }).ok).toBe(true);
    });

    it('takes the first value of a repeated webhook-id or webhook-timestamp', () => {
      expect(withHeaders({ 'webhook-id': [ID, 'other'] }).ok).toBe(true);
      expectFailure(withHeaders({ 'webhook-id': ['other', ID] }), 'bad-signature');
      expect(withHeaders({ 'webhook-timestamp': [String(TIMESTAMP), 'x'] }).ok).toBe(true);
      expectFailure(withHeaders({ 'webhook-timestamp': ['x', String(TIMESTAMP)] }), 'invalid-timestamp');
    });

    it('joins a repeated webhook-signature, within the caps', () => {
      expect(withHeaders({ 'webhook-signature': [WRONG, SIGNATURE] }).ok).toBe(true);
      expect(withHeaders({ 'webhook-signature': `${WRONG}, ${SIGNATURE}` }).ok).toBe(true); // node's join
      expectFailure(
        withHeaders({ 'webhook-signature': [...Array<string>(32).fill(''), SIGNATURE] }),
        'malformed-signature',
      );
      expectFailure(
        withHeaders({ 'webhook-signature': [SIGNATURE, 'x'.repeat(8192)] }),
        'malformed-signature',
      );
      expectFailure(
        withHeaders({ 'webhook-signature': Array<string>(1_000_000).fill(SIGNATURE) }),
        'malformed-signature',
      );
    });

    it('never throws on values of the wrong type', () => {
      const headers = {
        'webhook-id': 42,
        'webhook-timestamp': [null],
        'webhook-signature': [{}],
      } as unknown as Record<string, string>;
      expectFailure(verify({ headers }), 'missing-header');
      expectFailure(verify({ headers: null as unknown as Record<string, string> }), 'missing-header');
    });

    it('bounds the work on huge headers', () => {
      const huge = 'x'.repeat(10_000_000);
      const started = process.hrtime.bigint();
      expectFailure(withHeaders({ 'webhook-id': huge }), 'missing-header');
      expectFailure(withHeaders({ 'webhook-timestamp': huge }), 'invalid-timestamp');
      expectFailure(withHeaders({ 'webhook-signature': huge }), 'malformed-signature');
      expectFailure(withHeaders({ 'webhook-signature': ' '.repeat(8192) + 'v1,' }), 'malformed-signature');
      // Generous bound: the checks above are length comparisons, not scans of 10 MB strings.
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(250);
    });
  });
});
