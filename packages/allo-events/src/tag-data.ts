import {
  childPath,
  isJsonObject,
  pickField,
  readString,
  typeMismatch,
  type JsonObject,
} from './read-fields.js';
import type { TagChangedData } from './types.js';

/**
 * Tag names from the first present of `keys`. Each value may be a tag name, a REST tag object
 * `{id, name, color}`, or an array of either. Null when none of the keys is present.
 */
export function readTagList(obj: JsonObject, base: string, ...keys: string[]): string[] | null {
  const found = pickField(obj, base, keys);
  if (found === undefined) return null;
  const { value, path } = found;
  if (Array.isArray(value))
    return value.map((item: unknown, index) => readTagName(item, `${path}[${index}]`));
  return [readTagName(value, path)];
}

function readTagName(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (!isJsonObject(value)) throw typeMismatch(path, 'a tag name or a tag object', value);
  const name = readString(value, path, 'name');
  if (name === null) throw typeMismatch(childPath(path, 'name'), 'a string', value['name']);
  return name;
}

/**
 * The call a payload refers to: `call_id`, else `call.id` (or `call` as a bare id), else `id`.
 * `id` is skipped when the payload has a non-null top-level `name`: then the payload is itself a tag object
 * and `id` is the tag's id, not the call's.
 */
export function readCallReference(obj: JsonObject, base: string): string | null {
  const callId = readString(obj, base, 'call_id');
  if (callId !== null) return callId;
  const call = pickField(obj, base, ['call']);
  if (call !== undefined) {
    if (typeof call.value === 'string') return call.value;
    if (!isJsonObject(call.value)) throw typeMismatch(call.path, 'an object or a call id', call.value);
    const nested = readString(call.value, call.path, 'id');
    if (nested !== null) return nested;
  }
  return pickField(obj, base, ['name']) === undefined ? readString(obj, base, 'id') : null;
}

/** tag.added / tag.removed (spec §3.4: shape assumed, so every plausible spelling is accepted). */
export function readTagChangedData(obj: JsonObject, base: string): TagChangedData {
  return {
    call_id: readCallReference(obj, base),
    tags: readTagList(obj, base, 'tags', 'tag') ?? readTagObjectName(obj, base),
  };
}

/** A payload that is itself a REST tag object `{id, name, color}` names one tag. */
function readTagObjectName(obj: JsonObject, base: string): string[] {
  const name = readString(obj, base, 'name');
  return name === null ? [] : [name];
}
