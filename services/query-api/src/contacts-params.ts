import type { ParsedUrlQuery } from 'node:querystring';
import { invalidParameter } from './api-error.js';
import { decodeCursor } from './cursor.js';
import {
  looksLikePhoneNumber,
  parseLimit,
  parsePhoneNumber,
  parseText,
  readQuery,
  type ListQuery,
} from './query-params.js';

/**
 * How `q` searches contacts. A phone-like q (digits and separators, at least 3 digits) is an
 * exact match on one of the contact's numbers, tried as given and with a leading `+`; any other
 * q is a case-insensitive prefix of first name, last name, "first last" or email.
 */
export type ContactSearch =
  | { readonly kind: 'number'; readonly numbers: readonly string[] }
  | { readonly kind: 'prefix'; readonly pattern: string };

export interface ContactsFilter {
  readonly search?: ContactSearch;
}

const CONTACTS_PARAMETERS = ['q', 'limit', 'cursor'] as const;
const TIMELINE_PARAMETERS = ['limit', 'cursor'] as const;

/** GET /v1/contacts parameters; throws a 400 ApiError naming the first invalid one. */
export function parseContactsQuery(query: ParsedUrlQuery): ListQuery<ContactsFilter> {
  const q = readQuery(query, CONTACTS_PARAMETERS);
  return {
    filter: q.q === undefined ? {} : { search: parseContactSearch(q.q) },
    limit: parseLimit(q.limit),
    after: q.cursor === undefined ? undefined : decodeCursor(q.cursor, 'contacts'),
  };
}

export function parseContactSearch(q: string): ContactSearch {
  if (looksLikePhoneNumber(q)) {
    const number = parsePhoneNumber('q', q);
    return { kind: 'number', numbers: number.startsWith('+') ? [number] : [number, `+${number}`] };
  }
  const text = parseText('q', q).trim();
  if (text === '') throw invalidParameter('q', 'must not be blank');
  // LIKE wildcards in the input are literal characters; the pattern is a prefix match.
  return { kind: 'prefix', pattern: `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
}

/** GET /v1/contacts/:id/timeline; the cursor is bound to the contact it was issued for. */
export function parseTimelineQuery(
  contactId: string,
  query: ParsedUrlQuery,
): ListQuery<{ contactId: string }> {
  const q = readQuery(query, TIMELINE_PARAMETERS);
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, 'timeline', contactId);
  // Timeline times are never NULL (coalesced with a NOT NULL column), nor are their cursors.
  if (after?.time === null) throw invalidParameter('cursor', 'not a cursor issued by this API');
  return { filter: { contactId }, limit: parseLimit(q.limit), after };
}
