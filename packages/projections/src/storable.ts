/// <reference lib="es2024.string" />
// What Postgres can hold. Allo's payloads stay as received in the log and in dead letters; what
// goes into the read models is made storable here, so that no value Allo may send fails a batch:
// - text: Postgres text and jsonb refuse NUL (U+0000) and UTF-16 surrogates without their pair;
//   both become U+FFFD (the replacement character), so the rest of the text is kept;
// - indexed text (ids aside, see storable-event.ts): a btree entry holds at most 2704 bytes, so a
//   value an index covers is cut to MAX_INDEXED_LENGTH characters (the full value stays in data);
// - times: timestamptz holds years 4713 BC to 294276 AD, but a JavaScript date outside years 1 to
//   9999 serialises as an extended ISO year (`0000-…`, `-200000-…`, `+010000-…`) that its input
//   refuses; a time outside years 1 to 9999 is no time (the raw string stays in data);
// - durations: `duration_seconds` is a 32-bit integer (68 years); a duration that does not fit,
//   or is negative, is none (the raw `length_in_minutes` stays in data).

/** Text Postgres can store: NUL characters and lone surrogates become U+FFFD. Same length. */
export function storableText(text: string): string {
  const withoutNul = text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
  return withoutNul.isWellFormed() ? withoutNul : withoutNul.toWellFormed();
}

function isStorable(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/**
 * A JSON.stringify replacer that makes every string value and object key storable. Two keys of
 * one object that differ only in unstorable characters become one key: the later value wins.
 */
export function storableJson(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const names = Object.keys(value);
  if (names.every(isStorable)) return value;
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [storableText(name), v]));
}

/**
 * Longest value an index of the read models covers, in UTF-16 code units: at most 3 UTF-8 bytes
 * each, so the widest index entry (a ringing call key of two numbers beside a number, or a call
 * id beside a tag) stays under Postgres' 2704-byte btree limit. Allo's ids, numbers, names and
 * emails are far shorter; the gateway accepts webhook ids of at most 256 characters too.
 */
export const MAX_INDEXED_LENGTH = 256;

/** Indexed text cut to MAX_INDEXED_LENGTH characters (never inside a surrogate pair). */
export function indexableText(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  if (text.length <= MAX_INDEXED_LENGTH) return text;
  const cut = text.slice(0, MAX_INDEXED_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
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
