// What Postgres can hold. Allo's payloads are stored as received in the log; what goes into the
// read models is made storable here, so that no value Allo may send can fail a batch forever:
// - text: Postgres text and jsonb refuse NUL (U+0000) and UTF-16 surrogates without their pair;
//   both become U+FFFD (the replacement character), so the rest of the text is kept;
// - times: timestamptz holds years 4713 BC to 294276 AD, but a JavaScript date outside years 1 to
//   9999 serialises as an extended ISO year (`0000-…`, `-200000-…`, `+010000-…`) that its input
//   refuses; a time outside years 1 to 9999 is no time;
// - durations: `duration_seconds` is a 32-bit integer; a duration that does not fit, or is not a
//   finite non-negative number, is none (the raw `length_in_minutes` stays in `data`).

// NUL, and surrogates without their pair (String.prototype.toWellFormed is ES2024, above our lib).
// eslint-disable-next-line no-control-regex -- NUL is exactly what must go
const NOT_STORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NOT_STORABLE_TEST = new RegExp(NOT_STORABLE.source);

/** Text Postgres can store: NUL characters and lone surrogates become U+FFFD. */
export function storableText(text: string): string {
  return NOT_STORABLE_TEST.test(text) ? text.replace(NOT_STORABLE, '\uFFFD') : text;
}

/** A JSON.stringify replacer that makes every string value and object key storable. */
export function storableJson(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date)
    return value;
  const entries = Object.entries(value);
  if (!entries.some(([name]) => NOT_STORABLE_TEST.test(name))) return value;
  return Object.fromEntries(entries.map(([name, v]) => [storableText(name), v]));
}

const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** The date `value` names, or null when it names none Postgres can hold. */
export function storableDate(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  const time = date.getTime();
  return Number.isNaN(time) || time < MIN_TIME || time > MAX_TIME ? null : date;
}

const MAX_INT4 = 2_147_483_647;

/** Whole seconds of a duration in decimal minutes, or null when none fits `duration_seconds`. */
export function storableSeconds(minutes: number | null | undefined): number | null {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes) || minutes < 0) return null;
  const seconds = Math.round(minutes * 60);
  return seconds <= MAX_INT4 ? seconds : null;
}
