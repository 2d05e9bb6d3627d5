import { createHmac } from 'node:crypto';
import type { WebhookSecret } from './webhook-secret.js';

/** What `signWebhook` signs: the same three inputs the receiver sees. */
export interface SignWebhookInput {
  id: string;
  /** Unix seconds; must be a non-negative safe integer. */
  timestamp: number;
  /** The raw body; a string is encoded as UTF-8. */
  body: Buffer | string;
  secret: WebhookSecret;
}

/**
 * Returns the `webhook-signature` header value `v1,<base64>` that Allo would send for this
 * message: HMAC-SHA256 over `${id}.${timestamp}.` followed by the raw body bytes.
 * Throws RangeError when `timestamp` is not a non-negative safe integer (a caller bug: such a
 * header could never verify).
 */
export function signWebhook(input: SignWebhookInput): string {
  const { id, timestamp, body, secret } = input;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(
      `signWebhook: timestamp must be a non-negative integer of seconds, got ${timestamp}`,
    );
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return `v1,${computeSignature(secret.key, id, String(timestamp), bytes).toString('base64')}`;
}

/** The raw 32-byte HMAC-SHA256 digest of `${id}.${timestamp}.` + body, with no string round trip of the body. */
export function computeSignature(key: Buffer, id: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}
