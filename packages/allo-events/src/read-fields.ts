// Hand-written narrow readers rather than zod: the work here is mostly normalisation (aliases such
// as to/to_number, tag/tags/call_category, v1 camelCase keys, data vs body) and nearly every field
// is optional, so a schema library would mostly hold `.optional().nullable()` chains plus
// transforms. A dozen small readers keep error paths exact ("data.tags[2]") and keep this pure
// core free of runtime dependencies.

export type JsonObject = Record<string, unknown>;

/** A documented field holds the wrong JSON type. Thrown by the readers, caught by parseAlloEvent. */
export class InvalidFieldError extends Error {
  override readonly name = 'InvalidFieldError';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `data` + `person` -> `data.person`; the root path is the empty string. */
export function childPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

export function typeMismatch(path: string, expected: string, value: unknown): InvalidFieldError {
  return new InvalidFieldError(path, `${path} must be ${expected}, got ${describeType(value)}`);
}

export type FoundField = { value: unknown; path: string };

/**
 * The first of `keys` (canonical name first, then aliases) that is present with a non-null
 * value. Null is treated as absent everywhere: the spec allows null on many fields and leaves
 * most nullability unspecified. Own properties only, so `constructor` & co. are never read.
 */
export function pickField(obj: JsonObject, base: string, keys: readonly string[]): FoundField | undefined {
  for (const key of keys) {
    const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (value !== undefined && value !== null) return { value, path: childPath(base, key) };
  }
  return undefined;
}

export function readString(obj: JsonObject, base: string, ...keys: string[]): string | null {
  const found = pickField(obj, base, keys);
  if (found === undefined) return null;
  if (typeof found.value !== 'string') throw typeMismatch(found.path, 'a string', found.value);
  return found.value;
}

export function readNumber(obj: JsonObject, base: string, ...keys: string[]): number | null {
  const found = pickField(obj, base, keys);
  if (found === undefined) return null;
  if (typeof found.value !== 'number' || !Number.isFinite(found.value)) {
    throw typeMismatch(found.path, 'a finite number', found.value);
  }
  return found.value;
}

export function readStringOrNumber(obj: JsonObject, base: string, key: string): string | number | null {
  const found = pickField(obj, base, [key]);
  if (found === undefined) return null;
  if (typeof found.value === 'string') return found.value;
  return readNumber(obj, base, key);
}

/** An object-valued field; returns it with its path so nested readers can extend the path. */
export function readObject(obj: JsonObject, base: string, key: string): FoundObject | null {
  const found = pickField(obj, base, [key]);
  if (found === undefined) return null;
  if (!isJsonObject(found.value)) throw typeMismatch(found.path, 'an object', found.value);
  return { value: found.value, path: found.path };
}

export type FoundObject = { value: JsonObject; path: string };

/** An array field whose items are read one by one; an item's error names `path[i]`. */
export function readArray<T>(
  obj: JsonObject,
  base: string,
  key: string,
  readItem: (item: unknown, path: string) => T,
): T[] | null {
  const found = pickField(obj, base, [key]);
  if (found === undefined) return null;
  if (!Array.isArray(found.value)) throw typeMismatch(found.path, 'an array', found.value);
  return found.value.map((item: unknown, index) => readItem(item, `${found.path}[${index}]`));
}

export function readStringArray(obj: JsonObject, base: string, key: string): string[] | null {
  return readArray(obj, base, key, expectString);
}

export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw typeMismatch(path, 'a string', value);
  return value;
}

export function expectObject(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) throw typeMismatch(path, 'an object', value);
  return value;
}

/** Every own key of `obj` not in `known`, values as sent (Object.fromEntries is __proto__-safe). */
export function collectOtherKeys(obj: JsonObject, known: ReadonlySet<string>): JsonObject {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !known.has(key)));
}
