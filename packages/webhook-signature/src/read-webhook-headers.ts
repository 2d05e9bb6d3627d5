/** Request headers as node gives them (`IncomingHttpHeaders` fits) or as any plain object. */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Longest `webhook-signature` accepted, after joining repeated values. */
export const MAX_SIGNATURE_HEADER_LENGTH = 8 * 1024;
/** Most separate `webhook-signature` values (a repeated header) accepted. */
export const MAX_SIGNATURE_HEADER_VALUES = 32;

/** Stands for a `webhook-signature` beyond the length or repeat caps. */
export const SIGNATURE_TOO_LARGE: unique symbol = Symbol('webhook-signature too large');

/** The three raw header values; each is undefined when absent or empty. */
export interface RawWebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  /** Undefined when absent or blank. */
  signature: string | undefined | typeof SIGNATURE_TOO_LARGE;
}

/**
 * Reads `webhook-id`, `webhook-timestamp` and `webhook-signature`, matching names in any case.
 * Repeated values (arrays): the first string wins for id and timestamp; signature values are
 * joined with a space, unless there are more than MAX_SIGNATURE_HEADER_VALUES of them or the
 * joined length would pass MAX_SIGNATURE_HEADER_LENGTH. Never throws; the work done is bounded by
 * the caps plus one pass over the header names.
 */
export function readWebhookHeaders(headers: WebhookHeaders): RawWebhookHeaders {
  if (typeof headers !== 'object' || headers === null) {
    return { id: undefined, timestamp: undefined, signature: undefined };
  }
  return {
    id: firstValue(findHeader(headers, 'webhook-id')),
    timestamp: firstValue(findHeader(headers, 'webhook-timestamp')),
    signature: joinedValue(findHeader(headers, 'webhook-signature')),
  };
}

/** The value under the lowercase name, else under the first key equal to it ignoring case. */
function findHeader(headers: WebhookHeaders, name: string): unknown {
  if (Object.hasOwn(headers, name) && headers[name] !== undefined) return headers[name];
  for (const key of Object.keys(headers)) {
    if (key.length === name.length && key.toLowerCase() === name && headers[key] !== undefined) {
      return headers[key];
    }
  }
  return undefined;
}

function firstValue(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

function joinedValue(value: unknown): string | undefined | typeof SIGNATURE_TOO_LARGE {
  if (typeof value === 'string') {
    if (value.length > MAX_SIGNATURE_HEADER_LENGTH) return SIGNATURE_TOO_LARGE;
    return value.trim() === '' ? undefined : value;
  }
  if (!Array.isArray(value)) return undefined;
  if (value.length > MAX_SIGNATURE_HEADER_VALUES) return SIGNATURE_TOO_LARGE;
  const parts = (value as unknown[]).filter((part): part is string => typeof part === 'string');
  let length = parts.length - 1;
  for (const part of parts) length += part.length;
  if (length > MAX_SIGNATURE_HEADER_LENGTH) return SIGNATURE_TOO_LARGE;
  const joined = parts.join(' ');
  return joined.trim() === '' ? undefined : joined;
}
