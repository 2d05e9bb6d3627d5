const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether Postgres text can hold `value`: no NUL (U+0000), which it refuses with an error, and no
 * UTF-16 surrogate without its pair (which cannot be UTF-8 at all). The read models store only
 * such text, so a value outside it can match no row.
 */
export function isPostgresText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}
