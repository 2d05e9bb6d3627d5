import { sql, type RawBuilder } from 'kysely';
import { encodeCursor, type CursorKey, type CursorKind } from './cursor.js';

/**
 * A keyset order: a nullable time column, then the primary key as a tie-break, both descending
 * (Postgres puts NULLs first) or both ascending (NULLs last). An index on (time, id) in the same
 * direction serves both the order and the "after the cursor" condition.
 */
export interface Keyset {
  readonly time: string;
  readonly id: string;
  readonly order: 'asc' | 'desc';
}

/**
 * The sort time as an ISO string with microseconds, for the cursor: a JS Date keeps only
 * milliseconds, and a truncated key would repeat or skip rows that differ below a millisecond.
 */
export function cursorTime(time: string | RawBuilder<unknown>): RawBuilder<string | null> {
  const expression = typeof time === 'string' ? sql.ref(time) : time;
  return sql<string | null>`to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The rows strictly after `key` in the keyset's order, NULL times included where they sort. */
export function afterKey(keyset: Keyset, key: CursorKey): RawBuilder<boolean> {
  const time = sql.ref(keyset.time);
  const id = sql.ref(keyset.id);
  if (keyset.order === 'desc') {
    // NULLS FIRST: after a NULL-time row come the remaining NULL rows, then every dated row.
    return key.time === null
      ? sql<boolean>`((${time} is null and ${id} < ${key.id}) or ${time} is not null)`
      : sql<boolean>`((${time}, ${id}) < (${key.time}::timestamptz, ${key.id}))`;
  }
  // NULLS LAST: after a dated row come later dated rows, then every NULL-time row.
  return key.time === null
    ? sql<boolean>`(${time} is null and ${id} > ${key.id})`
    : sql<boolean>`((${time}, ${id}) > (${key.time}::timestamptz, ${key.id}) or ${time} is null)`;
}

export interface Page<T> {
  readonly data: T[];
  readonly next_cursor: string | null;
}

/** A row fetched with its cursor key (`limit + 1` rows are fetched to know whether more exist). */
export interface KeyedRow {
  readonly cursor_time: string | null;
}

/**
 * Cuts `rows` (fetched with limit + 1) to a page; the cursor points after its last row, or is
 * null when nothing follows.
 */
export function toPage<R extends KeyedRow, T>(
  rows: readonly R[],
  limit: number,
  cursor: { kind: CursorKind; scope?: string; id: (row: R) => string; rank?: (row: R) => number },
  toItem: (row: R) => T,
): Page<T> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  const next =
    rows.length > limit && last
      ? encodeCursor(cursor.kind, cursor.scope ?? '', {
          time: last.cursor_time,
          rank: cursor.rank?.(last) ?? 0,
          id: cursor.id(last),
        })
      : null;
  return { data: pageRows.map(toItem), next_cursor: next };
}
