/**
 * The webhook topics of Allo's REST API (the OpenAPI `WebhookTopic` enum, fact sheet §1.2 and
 * §3.8): the nine documented events plus `call.answered` and `summary.updated`. The contract
 * server answers GET /v2/api/webhooks/event_types with these.
 */
export const ALLO_EVENT_TYPES: ReadonlyArray<{ readonly name: string; readonly description: string }> = [
  { name: 'call.received', description: 'An inbound call starts ringing' },
  { name: 'call.triggered', description: 'An outbound call is initiated' },
  { name: 'call.answered', description: 'The remote party picks up' },
  { name: 'call.completed', description: 'A call ended, with recording, transcript and summary' },
  { name: 'summary.updated', description: 'A call summary was updated' },
  { name: 'tag.added', description: 'A tag was added to a call' },
  { name: 'tag.removed', description: 'A tag was removed from a call' },
  { name: 'sms.received', description: 'An inbound SMS' },
  { name: 'sms.sent', description: 'An outbound SMS' },
  { name: 'contact.created', description: 'A contact was created' },
  { name: 'contact.updated', description: 'A contact was updated' },
];
