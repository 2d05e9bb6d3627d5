// JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every response body. additionalProperties
// is false on the API's own objects so that the contract test catches a field added without
// being documented; `data`, `custom` and `transcript` hold Allo's payloads as sent.

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const strOrNull: Schema = { type: ['string', 'null'] };
const time: Schema = { type: 'string', format: 'date-time' };
const timeOrNull: Schema = { type: ['string', 'null'], format: 'date-time' };
const count: Schema = { type: 'integer', minimum: 0 };
const countOrNull: Schema = { type: ['integer', 'null'], minimum: 0 };
const countsByKey: Schema = { type: 'object', additionalProperties: count };
const anyObject: Schema = { type: 'object' };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function object(properties: Record<string, Schema>, description?: string): Schema {
  return {
    type: 'object',
    ...(description && { description }),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

function list(item: string): Schema {
  return object({
    data: { type: 'array', items: ref(item) },
    next_cursor: { ...strOrNull, description: 'Pass as `cursor` for the next page; null on the last page.' },
  });
}

const callItem = {
  id: str,
  direction: { ...strOrNull, description: 'INBOUND or OUTBOUND' },
  from_number: strOrNull,
  to_number: strOrNull,
  from_name: strOrNull,
  to_name: strOrNull,
  user_email: strOrNull,
  contact_id: strOrNull,
  status: { type: ['string', 'null'], enum: ['ringing', 'initiated', 'answered', 'completed', null] },
  result: { ...strOrNull, description: 'Allo call result, e.g. ANSWERED, VOICEMAIL' },
  started_at: { ...timeOrNull, description: 'Null for a stub call known only from a tag event so far' },
  duration_seconds: countOrNull,
  summary: strOrNull,
  recording_url: strOrNull,
  first_event_at: time,
  last_event_at: time,
  tags: { type: 'array', items: str, description: 'Tags currently on the call, sorted' },
};

const messageItem = {
  id: str,
  direction: { ...strOrNull, description: 'INBOUND or OUTBOUND' },
  type: strOrNull,
  content: strOrNull,
  from_number: strOrNull,
  to_number: strOrNull,
  from_name: strOrNull,
  to_name: strOrNull,
  user_email: strOrNull,
  sent_at: timeOrNull,
  last_event_at: time,
};

const contactItem = {
  id: str,
  first_name: strOrNull,
  last_name: strOrNull,
  job_title: strOrNull,
  email: strOrNull,
  emails: { type: 'array', items: str },
  numbers: { type: 'array', items: str },
  company_id: strOrNull,
  company_name: strOrNull,
  custom: anyObject,
  updated_at: time,
};

const statsCounts = {
  topics: { ...countsByKey, description: 'Events by topic; the known topics are always present' },
  call_results: { ...countsByKey, description: 'Calls started in the range, by result' },
  sms: object({ inbound: count, outbound: count }),
};

const partition = object({
  partition: count,
  next_offset: strOrNull,
  low: strOrNull,
  high: strOrNull,
  lag_messages: countOrNull,
  lag_seconds: { type: ['number', 'null'], minimum: 0 },
  last_event_at: timeOrNull,
});

export const SCHEMAS: Record<string, Schema> = {
  Error: object({
    error: {
      type: 'object',
      properties: {
        code: str,
        message: str,
        parameter: { ...str, description: 'The parameter at fault (400)' },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  }),
  Call: object(callItem),
  CallDetail: object({
    ...callItem,
    transcript: { description: 'Allo transcriptions as sent, or null' },
    data: anyObject,
  }),
  Message: object(messageItem),
  Contact: object(contactItem),
  ContactDetail: object({ ...contactItem, data: anyObject }),
  TimelineItem: {
    oneOf: [
      object({ kind: { const: 'call' }, at: time, call: ref('Call') }),
      object({ kind: { const: 'message' }, at: time, message: ref('Message') }),
    ],
  },
  CallList: list('Call'),
  MessageList: list('Message'),
  ContactList: list('Contact'),
  Timeline: list('TimelineItem'),
  Stats: object({
    since: time,
    until: time,
    bucket: { enum: ['minute', 'hour', 'day'] },
    buckets: { type: 'array', items: object({ start: time, ...statsCounts }) },
    totals: object(statsCounts),
  }),
  StatsCoverage: object(
    {
      first_event_at: { ...timeOrNull, description: 'The earliest event /v1/stats counts' },
      last_event_at: {
        ...timeOrNull,
        description:
          'The latest one, to the millisecond: a range to cover it ends after it (until is exclusive)',
      },
    },
    'Same sources and times as /v1/stats: events by event time, calls by start, messages by sent_at',
  ),
  Projections: object({
    topic: str,
    kafka: object(
      {
        status: { enum: ['ok', 'not_configured', 'unavailable'] },
        message: strOrNull,
      },
      'Where lag comes from; unless ok, every lag field is null and message says why',
    ),
    data: {
      type: 'array',
      items: object({
        projection: { enum: ['calls', 'messages', 'contacts'] },
        live_version: countOrNull,
        epoch: strOrNull,
        lag_messages: countOrNull,
        lag_seconds: { type: ['number', 'null'], minimum: 0 },
        last_event_at: timeOrNull,
        dead_letters: count,
        state: {
          enum: ['ok', 'stopped', 'stuck'],
          description:
            'stopped: the projector applies nothing until a problem below is fixed; stuck: it keeps retrying one batch (past 30 s)',
        },
        partial: {
          ...strOrNull,
          description: 'Why the live generation lacks part of the log; null when complete',
        },
        problems: {
          type: 'array',
          items: object(
            {
              kind: { enum: ['log-discontinuity', 'stuck'] },
              message: str,
              fix: { ...str, description: 'What to run or change to recover' },
              since: {
                ...timeOrNull,
                description: 'When a projector first reported it (null: found by this check)',
              },
              partitions: { type: 'array', items: count },
              offset: {
                ...strOrNull,
                description: 'stuck: the first offset of the records that keep failing',
              },
              error: { ...strOrNull, description: 'stuck: the last error' },
            },
            'Why the projection is stopped or stuck, with stored-vs-log figures in the message',
          ),
        },
        partitions: { type: 'array', items: partition },
      }),
    },
  }),
  Health: object({ status: str }),
  Readiness: object({ status: { enum: ['ready', 'not-ready'] }, database: { type: 'boolean' } }),
};
