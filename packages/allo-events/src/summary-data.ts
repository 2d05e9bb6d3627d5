import { readNumber, readObject, readString, type JsonObject } from './read-fields.js';
import { readCallReference } from './tag-data.js';
import type { SummaryUpdatedData } from './types.js';

/**
 * summary.updated: only the topic name is documented [O]; the shape follows the REST call-summary
 * object `{id "cll-…", content, version, updated_at, updated_by {id, name}}`, whose `id` is the
 * call id. `call_id` / `call.id` are accepted first, and `summary` as an alias of `content`.
 */
export function readSummaryUpdatedData(obj: JsonObject, base: string): SummaryUpdatedData {
  const updatedBy = readObject(obj, base, 'updated_by');
  return {
    call_id: readCallReference(obj, base),
    content: readString(obj, base, 'content', 'summary'),
    version: readNumber(obj, base, 'version'),
    updated_at: readString(obj, base, 'updated_at'),
    updated_by:
      updatedBy === null
        ? null
        : {
            id: readString(updatedBy.value, updatedBy.path, 'id'),
            name: readString(updatedBy.value, updatedBy.path, 'name'),
          },
  };
}
