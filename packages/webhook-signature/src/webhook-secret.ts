import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** A parsed `whsec_` secret (opaque; holds the decoded key bytes). */
export interface WebhookSecret {
  readonly key: Buffer;
}

/** A signing secret in the configuration is unusable; `variable` names the setting to fix. */
export class WebhookSecretConfigError extends Error {
  override readonly name = 'WebhookSecretConfigError';
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
  }
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const REDACTED = '[WebhookSecret redacted]';
const GENERATED_KEY_BYTES = 32;

/**
 * Parses one `whsec_<base64>` secret (surrounding whitespace ignored) into its key bytes.
 * The returned object never prints its key through JSON.stringify or util.inspect.
 * Throws WebhookSecretConfigError naming `variable` on a wrong prefix, bad base64, or empty key;
 * the message never contains the value.
 */
export function parseSecret(value: string, variable: string): WebhookSecret {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!trimmed.startsWith(SECRET_PREFIX)) {
    throw new WebhookSecretConfigError(variable, `expected a secret starting with "${SECRET_PREFIX}"`);
  }
  const encoded = trimmed.slice(SECRET_PREFIX.length);
  if (encoded.length === 0) {
    throw new WebhookSecretConfigError(variable, `the key after "${SECRET_PREFIX}" is empty`);
  }
  const key = decodeStrictBase64(encoded);
  if (key === undefined) {
    throw new WebhookSecretConfigError(variable, `the key after "${SECRET_PREFIX}" is not valid base64`);
  }
  return createWebhookSecret(key);
}

/**
 * Parses one or more `whsec_` secrets separated by spaces and/or commas (several during a
 * rotation, in the order given; verification reports the index of the one that matched).
 * Throws WebhookSecretConfigError naming `variable` (and the 1-based entry) when the list is
 * empty or any entry is invalid.
 */
export function parseSecretList(value: string, variable: string): WebhookSecret[] {
  const entries = (typeof value === 'string' ? value : '').split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new WebhookSecretConfigError(variable, 'expected at least one "whsec_" secret, got none');
  }
  return entries.map((entry, index) => {
    try {
      return parseSecret(entry, variable);
    } catch (error) {
      if (!(error instanceof WebhookSecretConfigError)) throw error;
      const problem = error.message.slice(variable.length + 2);
      throw new WebhookSecretConfigError(variable, `entry ${index + 1} of ${entries.length}: ${problem}`);
    }
  });
}

/** A fresh random `whsec_` secret string (32 random bytes), for development and tests. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_KEY_BYTES).toString('base64');
}

/** Decodes canonical standard base64 (padding optional); undefined for anything else. */
function decodeStrictBase64(encoded: string): Buffer | undefined {
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  // Buffer.from silently drops stray bits and characters; a round trip proves the input was exact.
  const unpadded = encoded.replace(/=+$/, '');
  if (bytes.toString('base64').replace(/=+$/, '') !== unpadded) return undefined;
  if (encoded.length !== unpadded.length && encoded.length % 4 !== 0) return undefined;
  return bytes.length === 0 ? undefined : bytes;
}

function createWebhookSecret(key: Buffer): WebhookSecret {
  const secret = { key };
  // Keeps the key out of logs and serialised config while leaving `key` a plain readable field.
  Object.defineProperty(secret, 'toJSON', { value: () => REDACTED, enumerable: false });
  Object.defineProperty(secret, inspect.custom, { value: () => REDACTED, enumerable: false });
  return Object.freeze(secret);
}
