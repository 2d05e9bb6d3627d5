import type { ParsedUrlQuery } from 'node:querystring';
import { invalidParameter } from './api-error.js';
import type { CursorKey } from './cursor.js';
import { isPostgresText } from './postgres-text.js';

/** One value per known parameter; absent parameters are undefined. */
export type QueryValues<K extends string> = Partial<Record<K, string>>;

/** A list request: its filter, page size and the cursor position to continue after. */
export interface ListQuery<F> {
  readonly filter: F;
  readonly limit: number;
  readonly after: CursorKey | undefined;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
const MAX_TEXT = 256;

/**
 * Checks a query string against the parameters an endpoint accepts: an unknown parameter, a
 * repeated one or an empty value is a 400 naming it (a typo must not silently widen a filter).
 */
export function readQuery<K extends string>(query: ParsedUrlQuery, allowed: readonly K[]): QueryValues<K> {
  const values: QueryValues<K> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw invalidParameter(name, `unknown parameter (accepted: ${allowed.join(', ')})`);
    }
    if (Array.isArray(value)) throw invalidParameter(name, 'given more than once');
    if (value === undefined || value === '') throw invalidParameter(name, 'must not be empty');
    values[name as K] = value;
  }
  return values;
}

/** `limit`: an integer 1–500, default 50. */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw invalidParameter('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * An ISO 8601 instant: a date-time with `Z` or an offset, or a bare date (midnight UTC). A space
 * before the offset is read as `+` (an unencoded `+` in a query string decodes to a space).
 * Precision beyond milliseconds is dropped.
 */
export function parseInstant(name: string, value: string): Date {
  const text = value.replace(/ (\d{2}:?\d{2})$/, '+$1');
  const match = INSTANT.exec(text);
  // Date accepts +hh:mm but not +hhmm.
  const date = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!match || !isRealDateTime(match) || Number.isNaN(date.getTime())) {
    throw invalidParameter(name, 'must be an ISO 8601 date-time with a zone, e.g. 2026-02-03T09:00:00Z');
  }
  return date;
}

// Date rolls 2026-02-30 over into March; a real calendar date and clock time are required.
function isRealDateTime(match: RegExpExecArray): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return (
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}

export interface TimeRange {
  readonly since: Date | undefined;
  readonly until: Date | undefined;
}

/** `since` (inclusive) and `until` (exclusive); since must be before until when both are given. */
export function parseRange(values: { since?: string; until?: string }): TimeRange {
  const since = values.since === undefined ? undefined : parseInstant('since', values.since);
  const until = values.until === undefined ? undefined : parseInstant('until', values.until);
  if (since && until && since.getTime() >= until.getTime()) {
    throw invalidParameter('until', 'must be after since');
  }
  return { since, until };
}

const PHONE_LIKE = /^\+?[\d\s().-]+$/;

/** Whether free text looks like a phone number (digits and separators, at least 3 digits). */
export function looksLikePhoneNumber(text: string): boolean {
  const restored = restorePlus(text).trim();
  return PHONE_LIKE.test(restored) && (restored.match(/\d/g)?.length ?? 0) >= 3;
}

/**
 * A phone number (or SMS sender id) as stored: separators (spaces, dots, dashes, parentheses)
 * are dropped from phone-like values, and a leading space is read as the `+` it was before
 * URL decoding. Other values (alphanumeric sender ids) are matched as given.
 */
export function parsePhoneNumber(name: string, value: string): string {
  const restored = restorePlus(value).trim();
  const normalized = PHONE_LIKE.test(restored) ? restored.replace(/[\s().-]/g, '') : restored;
  if (normalized === '' || normalized === '+' || normalized.length > 64 || /[\p{Cc}]/u.test(normalized)) {
    throw invalidParameter(name, 'must be a phone number such as +14155550142');
  }
  return normalized;
}

function restorePlus(value: string): string {
  return value.replace(/^ (?=\d)/, '+');
}

/** One of a fixed set of values, compared case-insensitively; returns the canonical spelling. */
export function parseChoice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  const found = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw invalidParameter(name, `must be one of ${choices.join(', ')}`);
  return found;
}

/**
 * Free text up to 256 characters that Postgres can hold: no control characters (NUL among
 * them) and no UTF-16 surrogate without its pair.
 */
export function parseText(name: string, value: string): string {
  if (value.length > MAX_TEXT || /\p{Cc}/u.test(value) || !isPostgresText(value)) {
    throw invalidParameter(name, `must be text of at most ${MAX_TEXT} characters`);
  }
  return value;
}

/**
 * An id from the path (`/v1/calls/:id`, `/v1/contacts/:id`), held to the rules of a query
 * parameter: a 400 naming `name` for an empty one, one over 256 characters, or one with a
 * control character (NUL among them) or a lone surrogate.
 */
export function parsePathId(name: string, value: string): string {
  if (value === '') throw invalidParameter(name, 'must not be empty');
  return parseText(name, value);
}
