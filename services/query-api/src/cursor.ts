import { createHash } from 'node:crypto';
import { invalidParameter } from './api-error.js';
import { isPostgresText } from './postgres-text.js';

/** Which list a cursor belongs to; a cursor is only accepted by the list that issued it. */
export type CursorKind = 'calls' | 'messages' | 'contacts' | 'conversation' | 'timeline';

/**
 * A position in a keyset-ordered list: the sort time of the last row (null for NULL times, an ISO
 * string with microseconds otherwise), a rank (timeline: call 0, message 1; else 0) and its id.
 */
export interface CursorKey {
  readonly time: string | null;
  readonly rank: number;
  readonly id: string;
}

interface CursorPayload {
  k: CursorKind;
  /** Binds conversation and timeline cursors to their number or contact. */
  s: string;
  v: [string | null, number, string];
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const MAX_LENGTH = 2048;

// Not a secret: the checksum only makes edits and truncation detectable, so that a mangled
// cursor is a 400 rather than a silently different page.
const checksum = (json: string): string =>
  createHash('sha256').update(`allo-cursor:${json}`).digest('base64url').slice(0, 12);

/** Encodes an opaque cursor: base64url(JSON) + '.' + checksum. */
export function encodeCursor(kind: CursorKind, scope: string, key: CursorKey): string {
  const payload: CursorPayload = { k: kind, s: scope, v: [key.time, key.rank, key.id] };
  const json = JSON.stringify(payload);
  return `${Buffer.from(json, 'utf8').toString('base64url')}.${checksum(json)}`;
}

/**
 * Decodes a cursor issued by `encodeCursor` for the same kind and scope; anything else (edited,
 * truncated, from another list) throws a 400 naming `cursor`. The checksum is no secret, so a
 * cursor can be forged: its time and id are held to what Postgres can compare with (a real time
 * in years 1 to 9999, an id without NUL), and a forged one is a 400 rather than a 500.
 */
export function decodeCursor(raw: string, kind: CursorKind, scope = ''): CursorKey {
  const payload = raw.length <= MAX_LENGTH ? parsePayload(raw) : undefined;
  if (!payload) throw invalidParameter('cursor', 'not a cursor issued by this API');
  if (payload.k !== kind || payload.s !== scope) {
    throw invalidParameter('cursor', 'this cursor belongs to another list');
  }
  const [time, rank, id] = payload.v;
  return { time, rank, id };
}

function parsePayload(raw: string): CursorPayload | undefined {
  const [body, sum, extra] = raw.split('.');
  if (body === undefined || sum === undefined || extra !== undefined) return undefined;
  const bytes = Buffer.from(body, 'base64url');
  // Node decodes leniently; only the canonical encoding of the bytes is accepted.
  if (bytes.toString('base64url') !== body) return undefined;
  const json = bytes.toString('utf8');
  if (checksum(json) !== sum) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  return isPayload(value) ? value : undefined;
}

/**
 * A cursor time Postgres can compare with: the issued format, a real calendar time (no month 13,
 * no February 30) and a year from 1 to 9999, so a forged cursor is a 400 rather than a 500.
 */
function isStorableTime(time: string): boolean {
  if (!TIME.test(time)) return false;
  const millis = `${time.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis && !time.startsWith('0000');
}

function isPayload(value: unknown): value is CursorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const { k, s, v } = value as Record<string, unknown>;
  if (typeof k !== 'string' || typeof s !== 'string' || !Array.isArray(v) || v.length !== 3) return false;
  const [time, rank, id] = v as unknown[];
  return (
    (time === null || (typeof time === 'string' && isStorableTime(time))) &&
    (rank === 0 || rank === 1) &&
    typeof id === 'string' &&
    isPostgresText(id)
  );
}
