import { SCHEMAS } from './openapi-schemas.js';

type Schema = Record<string, unknown>;

const json = (schema: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
});
const errorResponse = (description: string) => ({ description, content: json('Error') });

const query = (name: string, schema: Schema, description: string) => ({
  name,
  in: 'query',
  schema,
  description,
});
const path = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
});

const limit = query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }, 'Page size');
const cursor = query('cursor', { type: 'string' }, '`next_cursor` of the previous page of this same list');
const since = query(
  'since',
  { type: 'string' },
  'ISO 8601 date-time with zone (or a date, midnight UTC); inclusive',
);
const until = query('until', { type: 'string' }, 'ISO 8601 date-time with zone (or a date); exclusive');
const number = query(
  'number',
  { type: 'string' },
  'Phone number on either side (from or to), e.g. +14155550142; spaces, dots, dashes and parentheses are ignored',
);
const direction = query('direction', { enum: ['INBOUND', 'OUTBOUND'] }, 'Case-insensitive');

/** One GET operation: 200 with `schema`, 400 for bad parameters, 401 without a valid token. */
function get(summary: string, schema: string, parameters: unknown[], extra: Record<string, unknown> = {}) {
  return {
    get: {
      summary,
      parameters,
      responses: {
        200: { description: 'OK', content: json(schema) },
        400: errorResponse('A parameter is invalid or unknown; `error.parameter` names it'),
        401: {
          description: 'Missing or invalid bearer token',
          headers: { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer …' } },
          content: json('Error'),
        },
        ...extra,
      },
    },
  };
}

const notFound = { 404: errorResponse('No such id') };

/** The OpenAPI 3.1 description of the query API, served at GET /v1/openapi.json. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'allo-pipeline query API',
    version: '1.0.0',
    description:
      'Read-only REST over the Allo read models. Lists are cursor-paginated: `{ data, next_cursor }`. ' +
      'Errors are `{ "error": { "code", "message", "parameter"? } }`.',
  },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  security: [{ bearer: [] }],
  paths: {
    '/v1/calls': get(
      'Calls, newest first (started_at desc, call_id desc; stub calls without start first)',
      'CallList',
      [
        number,
        direction,
        query('status', { enum: ['ringing', 'initiated', 'answered', 'completed'] }, 'Call status'),
        query('result', { type: 'string' }, 'Call result such as ANSWERED (case-insensitive)'),
        query('tag', { type: 'string' }, 'Calls currently carrying this tag'),
        query('contact_id', { type: 'string' }, 'Calls linked to this contact'),
        { ...since, description: `${since.description}; filters started_at` },
        { ...until, description: `${until.description}; filters started_at` },
        limit,
        cursor,
      ],
    ),
    '/v1/calls/{id}': get(
      'One call with tags, transcript and raw data',
      'CallDetail',
      [path('id', 'Call id')],
      notFound,
    ),
    '/v1/messages': get('Messages, newest first (sent_at desc, message_id desc)', 'MessageList', [
      number,
      direction,
      { ...since, description: `${since.description}; filters sent_at` },
      { ...until, description: `${until.description}; filters sent_at` },
      limit,
      cursor,
    ]),
    '/v1/conversations/{number}': get(
      'Messages exchanged with one number, oldest first (sent_at asc, message_id asc)',
      'MessageList',
      [path('number', 'The external phone number'), limit, cursor],
    ),
    '/v1/contacts': get('Contacts, most recently updated first', 'ContactList', [
      query(
        'q',
        { type: 'string' },
        'Phone-like: exact match on one of the numbers (also tried with a leading +). ' +
          'Otherwise a case-insensitive prefix of first name, last name, "first last" or email',
      ),
      limit,
      cursor,
    ]),
    '/v1/contacts/{id}': get(
      'One contact with raw data',
      'ContactDetail',
      [path('id', 'Contact id')],
      notFound,
    ),
    '/v1/contacts/{id}/timeline': get(
      "Calls and messages with the contact's numbers (and calls linked to the contact), newest first",
      'Timeline',
      [path('id', 'Contact id'), limit, cursor],
      notFound,
    ),
    '/v1/stats': get('Event counts per time bucket', 'Stats', [
      {
        ...since,
        description: `${since.description}; default: until minus 1 h (minute), 24 h (hour), 30 days (day)`,
      },
      { ...until, description: `${until.description}; default now` },
      query(
        'bucket',
        { enum: ['minute', 'hour', 'day'], default: 'hour' },
        'At most 2880 buckets per request',
      ),
    ]),
    '/v1/stats/coverage': get(
      'The period /v1/stats has events for: its first and last event (both null when there are none)',
      'StatsCoverage',
      [],
    ),
    '/v1/projections': get('Live generation, lag and dead letters per projection', 'Projections', []),
    '/v1/openapi.json': {
      get: {
        summary: 'This document',
        security: [],
        responses: {
          200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness',
        security: [],
        responses: { 200: { description: 'OK', content: json('Health') } },
      },
    },
    '/readyz': {
      get: {
        summary: 'Readiness (Postgres reachable)',
        security: [],
        responses: {
          200: { description: 'Ready', content: json('Readiness') },
          503: { description: 'Not ready', content: json('Readiness') },
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from API_TOKENS' } },
    schemas: SCHEMAS,
  },
} as const;
