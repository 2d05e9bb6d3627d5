// Values Allo may send that Postgres refuses as they are, for the hostile-input specs.
import { parseAlloEvent } from '@allo-pipeline/allo-events';
import type { ProjectionEvent } from '../../src/projection-event.js';
import { MAX_INDEXED_LENGTH } from '../../src/storable.js';

/** Text holding a NUL and a lone surrogate, tagged with `name` so each field is told apart. */
export const hostile = (name: string): string => `${name}\u0000nul\ud800lone`;

/** What `hostile(name)` is stored as: both replaced by U+FFFD. */
export const stored = (name: string): string => `${name}\uFFFDnul\uFFFDlone`;

/**
 * `length` characters that Postgres cannot compress (CJK, 3 UTF-8 bytes each, no repeats), so a
 * value past about 900 of them exceeds the 2704-byte btree limit of any index it is in.
 */
export const incompressible = (length: number, seed = 1): string =>
  Array.from({ length }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919 + seed * 104_729) % 20_000))).join(
    '',
  );

/** The first MAX_INDEXED_LENGTH characters, as an indexed column keeps them. */
export const indexedPart = (text: string): string => text.slice(0, MAX_INDEXED_LENGTH);

/**
 * An event whose data holds `field` nested `levels` deep (`{"a":{"a":…1}}`), parsed by the real
 * parser. The body is written as text: JSON.stringify itself overflows the stack at such depths.
 */
export function eventWithNestedField(
  webhookId: string,
  topic: string,
  at: string,
  data: Record<string, unknown>,
  field: string,
  levels: number,
): ProjectionEvent {
  const placeholder = '"__nested__"';
  const body = JSON.stringify({
    topic,
    version: '2.0',
    timestamp: at,
    data: { ...data, [field]: '__nested__' },
  });
  const deep = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const parsed = parseAlloEvent(Buffer.from(body.replace(placeholder, deep)));
  if (!parsed.ok) throw new Error(`nested fixture does not parse: ${parsed.error.message}`);
  return { webhookId, occurredAt: new Date(at), event: parsed.event };
}

/** Times JavaScript parses but Postgres' timestamptz input refuses (as JSON.stringify sends them). */
export const UNSTORABLE_TIMES = [
  '0000-01-01T00:00:00.000Z',
  '-200000-01-01T00:00:00.000Z',
  '+010000-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
] as const;
