import type { ParsedUrlQuery } from 'node:querystring';
import type { CallStatus } from '@allo-pipeline/read-models';
import { invalidParameter } from './api-error.js';
import { decodeCursor } from './cursor.js';
import {
  parseChoice,
  parseLimit,
  parsePhoneNumber,
  parseRange,
  parseText,
  readQuery,
  type ListQuery,
} from './query-params.js';

export const DIRECTIONS = ['INBOUND', 'OUTBOUND'] as const;
export const CALL_STATUSES: readonly CallStatus[] = ['ringing', 'initiated', 'answered', 'completed'];

export interface CallsFilter {
  readonly number?: string;
  readonly direction?: (typeof DIRECTIONS)[number];
  readonly status?: CallStatus;
  readonly result?: string;
  readonly tag?: string;
  readonly contactId?: string;
  readonly since?: Date;
  readonly until?: Date;
}

const CALLS_PARAMETERS = [
  'number',
  'direction',
  'status',
  'result',
  'tag',
  'contact_id',
  'since',
  'until',
  'limit',
  'cursor',
] as const;

/** GET /v1/calls parameters; throws a 400 ApiError naming the first invalid one. */
export function parseCallsQuery(query: ParsedUrlQuery): ListQuery<CallsFilter> {
  const q = readQuery(query, CALLS_PARAMETERS);
  return {
    filter: {
      ...parseRange(q),
      ...(q.number !== undefined && { number: parsePhoneNumber('number', q.number) }),
      ...(q.direction !== undefined && { direction: parseChoice('direction', q.direction, DIRECTIONS) }),
      ...(q.status !== undefined && { status: parseChoice('status', q.status, CALL_STATUSES) }),
      ...(q.result !== undefined && { result: parseResult(q.result) }),
      ...(q.tag !== undefined && { tag: parseText('tag', q.tag) }),
      ...(q.contact_id !== undefined && { contactId: parseText('contact_id', q.contact_id) }),
    },
    limit: parseLimit(q.limit),
    after: q.cursor === undefined ? undefined : decodeCursor(q.cursor, 'calls'),
  };
}

// Allo's results are an open set of upper-case words (ANSWERED, VOICEMAIL, TRANSFERRED_AI, …);
// the filter accepts any case and compares the upper-case spelling.
function parseResult(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(value)) {
    throw invalidParameter('result', 'must be a call result such as ANSWERED or VOICEMAIL');
  }
  return value.toUpperCase();
}
