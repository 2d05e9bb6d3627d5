import { createHash } from 'node:crypto';
import type { WebhookSecret } from '@allo-pipeline/webhook-signature';

/**
 * A short public name for a signing secret: the first 16 hex digits of SHA-256 over its key
 * bytes. 64 bits of a hash of a 256-bit random key tell nothing usable about the key, so the
 * gateway may show it (GET /status/sources) and the CLI can tell which secret verified an event.
 * The CLI computes the same value (packages/cli/src/allo-secret-fingerprint.ts); both test it
 * against the same known answer.
 */
export function secretFingerprint(secret: WebhookSecret): string {
  return createHash('sha256').update(secret.key).digest('hex').slice(0, 16);
}
