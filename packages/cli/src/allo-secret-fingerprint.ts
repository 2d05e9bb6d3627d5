import { createHash } from 'node:crypto';

const SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/**
 * The key bytes of a `whsec_<base64>` signing secret, or undefined when it is not one. As strict
 * as the gateway (canonical base64, non-empty), so the CLI never stores what the gateway rejects.
 * (The CLI does not depend on @allo-pipeline/webhook-signature, whose parseSecret does the same.)
 */
export function secretKey(secret: string): Buffer | undefined {
  const encoded = SECRET.exec(secret.trim())?.[1];
  if (encoded === undefined || encoded.length % 4 === 1) return undefined;
  const key = Buffer.from(encoded, 'base64');
  const canonical = key.toString('base64').replace(/=+$/, '') === encoded.replace(/=+$/, '');
  return canonical && key.length > 0 ? key : undefined;
}

/**
 * The public short name the gateway gives a signing secret on GET /status/sources: the first 16
 * hex digits of SHA-256 over the key bytes. Must equal services/gateway/src/secret-fingerprint.ts;
 * both are tested against the same known answer. Throws on a string that is not a secret.
 */
export function alloSecretFingerprint(secret: string): string {
  const key = secretKey(secret);
  if (!key) throw new Error('not a whsec_ signing secret');
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
