import { storableJson, storableText } from '../storable.js';

// Postgres COPY text format (https://www.postgresql.org/docs/current/sql-copy.html, "Text
// Format"), written the way the live path's jsonRows reaches the same columns, so that a bulk
// load stores exactly what applyBatch would:
// - every string is made storable first (storableText; storableJson inside jsonb), as jsonRows does;
// - a time is its ISO string (what JSON.stringify gives a Date, and what jsonb_to_recordset parses);
// - jsonb is JSON.stringify with storableJson, the text jsonRows sends;
// - text[] is an array literal with every element quoted.
// Then backslash, newline, carriage return and tab are escaped, and NULL is \N.

/** How a column's values are written. */
export type CopyColumnKind = 'text' | 'timestamptz' | 'integer' | 'jsonb' | 'text[]';

/** A column of a COPY: its name and how its values are written. */
export interface CopyColumn {
  readonly name: string;
  readonly kind: CopyColumnKind;
}

/** A value of the wrong kind for its column: a defect of the bulk load's column mapping, not of the data. */
export class CopyValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyValueError';
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/;

function escape(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : text;
}

function arrayElement(element: unknown): string {
  if (element === null) return 'NULL';
  if (typeof element !== 'string') throw new CopyValueError(`text[] element given ${typeof element}`);
  return `"${storableText(element).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

// JSON.stringify escapes NUL as \u0000 and a lone surrogate as \udXXX (well-formed JSON.stringify),
// and a backslash as \\; so text without those escapes held nothing storableJson would change,
// and the replacer (several times slower) is only run for the rare value that needs it.
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f])/i;

/** JSON.stringify(value, storableJson), without the replacer's cost when it would change nothing. */
export function storableJsonText(value: unknown): string {
  const plain = JSON.stringify(value);
  return UNSTORABLE_ESCAPE.test(plain) ? JSON.stringify(value, storableJson) : plain;
}

/** One value in COPY text format (escaped, NULL as \N). Throws CopyValueError on a value of the wrong kind. */
export function copyValue(kind: CopyColumnKind, value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') throw new CopyValueError(`text column given ${typeof value}`);
      return escape(storableText(value));
    case 'timestamptz':
      if (!(value instanceof Date)) throw new CopyValueError(`timestamptz column given ${typeof value}`);
      return value.toISOString();
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw new CopyValueError(`integer column given ${JSON.stringify(value)}`);
      return String(value);
    case 'jsonb':
      return escape(storableJsonText(value));
    case 'text[]':
      if (!Array.isArray(value)) throw new CopyValueError(`text[] column given ${typeof value}`);
      return escape(`{${(value as unknown[]).map(arrayElement).join(',')}}`);
  }
}

/** One row in COPY text format, newline-terminated. */
export function copyLine(columns: readonly CopyColumn[], values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i += 1) {
    if (i > 0) line += '\t';
    line += copyValue(columns[i]!.kind, values[i]);
  }
  return `${line}\n`;
}
