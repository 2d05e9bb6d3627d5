// YYYY-MM-DDTHH:MM:SS, optional fraction (any number of digits; the spec shows 0, 3 and 6),
// then `Z` or a numeric offset. A missing zone is rejected: the envelope time must be absolute.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an ISO 8601 instant as Allo sends it (`2026-02-03T09:12:04.518Z`, 0/3/6 fraction
 * digits, `Z` or `±hh:mm`). Fractions beyond milliseconds are truncated (a Date holds ms).
 * Returns null for anything else, including impossible dates such as 2026-02-30. Never throws.
 */
export function parseAlloTimestamp(value: string): Date | null {
  const match = ISO_INSTANT.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const fields = [year, month, day, hour, minute, second].map(Number);
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = fields;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const offsetMinutes = parseOffset(zone);
  if (offsetMinutes === null) return null;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) return null;
  date.setUTCHours(h, mi, s, Number(fraction.slice(0, 3).padEnd(3, '0')));
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

function parseOffset(zone: string): number | null {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}
