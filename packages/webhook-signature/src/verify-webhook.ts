import { timingSafeEqual } from 'node:crypto';
import { parseSignatureHeader } from './parse-signature-header.js';
import { readWebhookHeaders, SIGNATURE_TOO_LARGE, type WebhookHeaders } from './read-webhook-headers.js';
import { computeSignature } from './sign-webhook.js';
import type { WebhookSecret } from './webhook-secret.js';

export type VerifyFailureReason =
  | 'missing-header'
  | 'invalid-timestamp'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'malformed-signature'
  | 'bad-signature';

export type VerifyOutcome =
  | { ok: true; secretIndex: number; webhookId: string; timestamp: number /* unix seconds */ }
  | { ok: false; reason: VerifyFailureReason; message: string /* safe to return to the client */ };

export interface VerifyWebhookInput {
  /** The raw request body bytes, exactly as received (never re-serialised JSON). */
  body: Buffer;
  headers: WebhookHeaders;
  /** Candidate secrets, e.g. the current and the next one during a rotation. */
  secrets: readonly WebhookSecret[];
  /** The clock, in epoch milliseconds. */
  now: () => number;
  /** Allowed clock difference in either direction; default DEFAULT_TOLERANCE_SECONDS. */
  toleranceSeconds?: number;
}

/** Allo's documented tolerance between the `webhook-timestamp` and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Longest `webhook-id` accepted (Allo's ids are about 24 characters). */
export const MAX_WEBHOOK_ID_LENGTH = 256;
// Canonical decimal seconds; 15 digits is far beyond any real clock and keeps Number exact.
const MAX_TIMESTAMP_LENGTH = 15;
const TIMESTAMP = /^(?:0|[1-9][0-9]*)$/;
const CONTROL_CHARACTER = /\p{Cc}/u;

type Failure = Extract<VerifyOutcome, { ok: false }>;

/**
 * Checks that a delivery is authentic and fresh (Standard Webhooks `v1` scheme): the headers are
 * present, the timestamp is within `toleranceSeconds` of `now()`, and some `v1` signature equals
 * HMAC-SHA256(secret, `${id}.${timestamp}.` + body) for one of `secrets` (compared in constant
 * time). On success, `secretIndex` is the index of the first matching secret.
 * Never throws for any headers or body: every problem is a failed outcome whose `message` is safe
 * to show the client (it never holds a secret, an expected signature or echoed header content).
 * Cost is bounded by the header caps (see README) times the number of secrets.
 */
export function verifyWebhook(input: VerifyWebhookInput): VerifyOutcome {
  const { id, timestamp, signature } = readWebhookHeaders(input.headers);
  const missing = [
    id === undefined ? 'webhook-id' : undefined,
    timestamp === undefined ? 'webhook-timestamp' : undefined,
    signature === undefined ? 'webhook-signature' : undefined,
  ].filter((name) => name !== undefined);
  if (id === undefined || timestamp === undefined || signature === undefined) {
    return fail('missing-header', `missing or empty header: ${missing.join(', ')}`);
  }
  if (id.length > MAX_WEBHOOK_ID_LENGTH) {
    return fail('missing-header', `webhook-id header is longer than ${MAX_WEBHOOK_ID_LENGTH} characters`);
  }
  // Node's parser lets a tab (and, from a plain object, any character) through; an id is copied
  // into Kafka headers, the raw record and logs, where control characters have no business.
  if (CONTROL_CHARACTER.test(id)) {
    return fail('missing-header', 'webhook-id header contains control characters');
  }
  const timeFailure = checkTimestamp(timestamp, input);
  if (timeFailure !== undefined) return timeFailure;

  const digests = signature === SIGNATURE_TOO_LARGE ? 'too-large' : parseSignatureHeader(signature);
  if (typeof digests === 'string' || digests.length === 0) {
    return fail('malformed-signature', describeMalformed(digests));
  }
  const secretIndex = findMatchingSecret(input, id, timestamp, digests);
  if (secretIndex === -1) {
    return fail('bad-signature', 'no webhook-signature entry matches the expected signature');
  }
  return { ok: true, secretIndex, webhookId: id, timestamp: Number(timestamp) };
}

function checkTimestamp(timestamp: string, input: VerifyWebhookInput): Failure | undefined {
  if (timestamp.length > MAX_TIMESTAMP_LENGTH || !TIMESTAMP.test(timestamp)) {
    return fail('invalid-timestamp', 'webhook-timestamp must be a whole number of unix seconds');
  }
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const age = Math.floor(input.now() / 1000) - Number(timestamp);
  // Written so that a NaN clock or tolerance fails closed.
  if (!(age <= tolerance)) {
    return fail('stale-timestamp', `webhook-timestamp is more than ${tolerance} seconds in the past`);
  }
  if (!(-age <= tolerance)) {
    return fail('future-timestamp', `webhook-timestamp is more than ${tolerance} seconds in the future`);
  }
  return undefined;
}

/** Index of the first secret whose digest equals one of `digests`, or -1; one HMAC per secret. */
function findMatchingSecret(
  input: VerifyWebhookInput,
  id: string,
  timestamp: string,
  digests: readonly Buffer[],
): number {
  const { body, secrets } = input;
  // Only raw bytes are ever signed; anything else (a parsed or stringified body) cannot match.
  if (!(body instanceof Uint8Array)) return -1;
  for (const [index, secret] of secrets.entries()) {
    if (!(secret?.key instanceof Uint8Array)) continue;
    const expected = computeSignature(secret.key, id, timestamp, body);
    // Every digest is 32 bytes (checked by the parser), so timingSafeEqual never throws here.
    if (digests.some((digest) => timingSafeEqual(digest, expected))) return index;
  }
  return -1;
}

function describeMalformed(problem: 'too-large' | 'too-many-entries' | readonly Buffer[]): string {
  if (problem === 'too-large') return 'webhook-signature header is too large';
  if (problem === 'too-many-entries') return 'webhook-signature header has too many entries';
  return 'webhook-signature header has no valid "v1,<base64>" entry';
}

function fail(reason: VerifyFailureReason, message: string): Failure {
  return { ok: false, reason, message };
}
