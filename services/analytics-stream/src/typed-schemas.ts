// The Avro schemas of the typed topics, version 1. Registered under TopicNameStrategy subjects
// (`<topic>-value`) with BACKWARD compatibility: a later version may add optional fields (a
// nullable union with default null) or drop fields, and a consumer on the new schema still reads
// every record written before it. Fields that Allo's docs leave unconfirmed (shared
// allo-webhooks-spec.md tags [Dx]/[L]/[T]/[U]) are nullable unions: null means "not sent".
// Times are `timestamp-millis` longs (UTC epoch milliseconds).

const NAMESPACE = 'io.allopipeline.analytics';

const timestamp = { type: 'long', logicalType: 'timestamp-millis' } as const;
const optionalString = (name: string, doc: string) =>
  ({ name, type: ['null', 'string'], default: null, doc }) as const;
const optionalTimestamp = (name: string, doc: string) =>
  ({ name, type: ['null', timestamp], default: null, doc }) as const;

/** Fields every typed record starts with: which raw delivery it comes from, and when. */
const DELIVERY_FIELDS = [
  { name: 'event_topic', type: 'string', doc: 'Allo topic of the event (v2 name), e.g. call.completed' },
  { name: 'webhook_id', type: 'string', doc: 'webhook-id of the delivery: unique per record in a topic' },
  { name: 'event_time', type: timestamp, doc: 'envelope timestamp, else the webhook-timestamp header' },
  { name: 'received_at', type: timestamp, doc: 'when the gateway received the delivery' },
  { name: 'source', type: 'string', doc: 'Allo workspace (gateway source) the delivery came through' },
] as const;

export const CALL_SCHEMA_V1 = {
  type: 'record',
  name: 'Call',
  namespace: NAMESPACE,
  doc: "One call event with the call's state after it (every event of the call seen so far, folded in event-time order).",
  fields: [
    {
      name: 'call_id',
      type: 'string',
      doc: 'the call id; a ringing event without one is keyed ringing:<from>|<to>|<started_at>',
    },
    ...DELIVERY_FIELDS,
    optionalString('status', 'ringing, initiated, answered or completed (never moves back)'),
    optionalString('direction', 'INBOUND or OUTBOUND as sent (open string)'),
    optionalString('result', 'e.g. ANSWERED, VOICEMAIL (open string)'),
    optionalString('from_number', 'calling party'),
    optionalString('to_number', 'called party'),
    optionalString('from_name', 'display name of the caller'),
    optionalString('to_name', 'display name of the callee'),
    optionalString('user_email', 'Allo user who handled the call'),
    optionalString('contact_id', 'matched contact (person.id)'),
    optionalTimestamp('started_at', 'call start'),
    { name: 'duration_seconds', type: ['null', 'int'], default: null, doc: 'from length_in_minutes' },
    { name: 'has_summary', type: 'boolean', doc: 'an AI summary exists' },
    { name: 'has_recording', type: 'boolean', doc: 'a recording URL exists' },
    { name: 'has_transcript', type: 'boolean', doc: 'a transcript exists' },
    { name: 'tags', type: { type: 'array', items: 'string' }, doc: 'tags present, sorted' },
    { name: 'first_event_at', type: timestamp, doc: 'event time of the earliest event seen' },
    { name: 'last_event_at', type: timestamp, doc: 'event time of the latest event seen' },
  ],
} as const;

export const MESSAGE_SCHEMA_V1 = {
  type: 'record',
  name: 'Message',
  namespace: NAMESPACE,
  doc: "One SMS event with the message's state after it (the newest event seen, by event time).",
  fields: [
    { name: 'message_id', type: 'string', doc: 'the message id; without one, sms:<webhook-id>' },
    ...DELIVERY_FIELDS,
    optionalString('direction', 'INBOUND or OUTBOUND'),
    optionalString('type', 'SMS, MMS, WHATSAPP (open string)'),
    optionalString('content', 'message text'),
    optionalString('from_number', 'sender (or the alphanumeric sender id)'),
    optionalString('to_number', 'recipient'),
    optionalString('from_name', 'display name of the sender'),
    optionalString('to_name', 'display name of the recipient'),
    optionalString('user_email', 'Allo user'),
    optionalString('status', 'delivery status when sent (PENDING, SENT, DELIVERED, FAILED)'),
    optionalTimestamp('sent_at', 'when the message was sent, as Allo says'),
  ],
} as const;

export const CONTACT_SCHEMA_V1 = {
  type: 'record',
  name: 'Contact',
  namespace: NAMESPACE,
  doc: "One contact.created/updated event with the contact's state after it (each field its newest non-null value).",
  fields: [
    { name: 'contact_id', type: 'string', doc: 'the contact id' },
    ...DELIVERY_FIELDS,
    optionalString('first_name', 'first name (person.name)'),
    optionalString('last_name', 'last name'),
    optionalString('job_title', 'job title'),
    optionalString('email', 'primary email'),
    { name: 'emails', type: { type: 'array', items: 'string' }, doc: 'all emails ([] when none sent)' },
    { name: 'numbers', type: { type: 'array', items: 'string' }, doc: 'phone numbers ([] when none sent)' },
    optionalString('company_id', 'linked company'),
    optionalString('company_name', 'linked company name'),
    optionalString('custom_properties_json', 'workspace custom properties as one JSON object'),
  ],
} as const;

/** Which schema each entity's topic carries. */
export type Entity = 'calls' | 'messages' | 'contacts';

export type AvroRecordSchema = { readonly type: 'record'; readonly name: string } & Record<string, unknown>;

export type TypedSchemas = Readonly<Record<Entity, AvroRecordSchema>>;

export const TYPED_SCHEMAS_V1: TypedSchemas = {
  calls: CALL_SCHEMA_V1,
  messages: MESSAGE_SCHEMA_V1,
  contacts: CONTACT_SCHEMA_V1,
};

/** The TopicNameStrategy subject of a topic's values. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
