import type { ParsedUrlQuery } from 'node:querystring';
import { DIRECTIONS } from './calls-params.js';
import { decodeCursor } from './cursor.js';
import {
  parseChoice,
  parseLimit,
  parsePhoneNumber,
  parseRange,
  readQuery,
  type ListQuery,
} from './query-params.js';

export interface MessagesFilter {
  readonly number?: string;
  readonly direction?: (typeof DIRECTIONS)[number];
  readonly since?: Date;
  readonly until?: Date;
}

const MESSAGES_PARAMETERS = ['number', 'direction', 'since', 'until', 'limit', 'cursor'] as const;
const CONVERSATION_PARAMETERS = ['limit', 'cursor'] as const;

/** GET /v1/messages parameters; throws a 400 ApiError naming the first invalid one. */
export function parseMessagesQuery(query: ParsedUrlQuery): ListQuery<MessagesFilter> {
  const q = readQuery(query, MESSAGES_PARAMETERS);
  return {
    filter: {
      ...parseRange(q),
      ...(q.number !== undefined && { number: parsePhoneNumber('number', q.number) }),
      ...(q.direction !== undefined && { direction: parseChoice('direction', q.direction, DIRECTIONS) }),
    },
    limit: parseLimit(q.limit),
    after: q.cursor === undefined ? undefined : decodeCursor(q.cursor, 'messages'),
  };
}

/** GET /v1/conversations/:number; the cursor is bound to the number it was issued for. */
export function parseConversationQuery(
  number: string,
  query: ParsedUrlQuery,
): ListQuery<{ readonly number: string }> {
  const q = readQuery(query, CONVERSATION_PARAMETERS);
  const normalized = parsePhoneNumber('number', number);
  return {
    filter: { number: normalized },
    limit: parseLimit(q.limit),
    after: q.cursor === undefined ? undefined : decodeCursor(q.cursor, 'conversation', normalized),
  };
}
