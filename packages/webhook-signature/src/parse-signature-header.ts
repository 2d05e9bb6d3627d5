/** Most space-separated entries a `webhook-signature` header may hold. */
export const MAX_SIGNATURE_ENTRIES = 32;

// A v1 signature is the standard base64 of a 32-byte HMAC-SHA256 digest: 43 characters and one `=`.
const V1_SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Extracts the decoded 32-byte digests of the `v1,<base64>` entries of a `webhook-signature`
 * header (already capped in length by the caller). Entries with another label (`v1a`, `v2`, ...)
 * and v1 entries that are not 32 bytes of base64 are skipped; one trailing comma per entry is
 * tolerated because node joins a repeated header with ", ". Returns 'too-many-entries' when the
 * header has more than MAX_SIGNATURE_ENTRIES entries. Never throws.
 */
export function parseSignatureHeader(header: string): Buffer[] | 'too-many-entries' {
  const entries = header.split(' ').filter((entry) => entry !== '');
  if (entries.length > MAX_SIGNATURE_ENTRIES) return 'too-many-entries';
  const digests: Buffer[] = [];
  for (const raw of entries) {
    const entry = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    const comma = entry.indexOf(',');
    if (comma === -1 || entry.slice(0, comma) !== 'v1') continue;
    const signature = entry.slice(comma + 1);
    if (V1_SIGNATURE.test(signature)) digests.push(Buffer.from(signature, 'base64'));
  }
  return digests;
}
