import { RawRecordDecodeError, type RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import type { DecodedMessage, RawMessage } from './plan-batch.js';

/** Anything that decodes raw-topic values; RawRecordCodec in production. */
export interface RawRecordDecoder {
  decode(value: Buffer | null): Promise<RawWebhookRecord>;
}

/** The registry could not be asked (network or 5xx): retry the batch, never dead-letter. */
export class RegistryUnavailableError extends Error {
  constructor(
    readonly offset: string,
    cause: unknown,
  ) {
    super(`schema registry unavailable while decoding offset ${offset}: ${String(cause)}`, { cause });
    this.name = 'RegistryUnavailableError';
  }
}

/**
 * Decodes every message. A value that is not a RawWebhook record becomes `{ ok: false }`; a
 * registry outage throws RegistryUnavailableError so the caller retries instead of dead-lettering
 * good records.
 */
export async function decodeMessages<M extends RawMessage>(
  decoder: RawRecordDecoder,
  messages: readonly M[],
): Promise<Array<{ message: M; decoded: DecodedMessage }>> {
  const decoded: Array<{ message: M; decoded: DecodedMessage }> = [];
  for (const message of messages) decoded.push({ message, decoded: await decodeOne(decoder, message) });
  return decoded;
}

async function decodeOne(decoder: RawRecordDecoder, message: RawMessage): Promise<DecodedMessage> {
  try {
    return { ok: true, record: await decoder.decode(message.value) };
  } catch (error) {
    if (error instanceof RawRecordDecodeError && !isTransient(error.cause))
      return { ok: false, error: error.message };
    throw new RegistryUnavailableError(message.offset, error);
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
]);

/** Whether a registry failure is an outage (retry) rather than an unknown schema (dead letter). */
export function isTransient(cause: unknown): boolean {
  if (cause === undefined || cause === null || typeof cause !== 'object') return false;
  const { status, code, message } = cause as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof status === 'number') return status >= 500 || status === 429;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return (
    typeof message === 'string' &&
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|timed? ?out/i.test(message)
  );
}
