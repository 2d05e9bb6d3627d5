/** The eleven dotted v2 topics (the REST `WebhookTopic` enum, spec §1.2). */
export const ALLO_TOPICS = [
  'call.received',
  'call.triggered',
  'call.answered',
  'call.completed',
  'tag.added',
  'tag.removed',
  'sms.received',
  'sms.sent',
  'contact.created',
  'contact.updated',
  'summary.updated',
] as const;

export type AlloTopic = (typeof ALLO_TOPICS)[number];

/**
 * Legacy v1 UPPER_SNAKE topics and the v2 topic each one maps to (spec §1.2). `CALL_RECEIVED`
 * fired when a call had ENDED, so it is the ancestor of `call.completed`. `PING` is absent on
 * purpose: it parses as the `unknown` variant.
 */
export const LEGACY_TOPICS: ReadonlyMap<string, AlloTopic> = new Map<string, AlloTopic>([
  ['CALL_RECEIVED', 'call.completed'],
  ['SMS_RECEIVED', 'sms.received'],
  ['SMS_SENT', 'sms.sent'],
  ['CONTACT_CREATED', 'contact.created'],
  ['CONTACT_UPDATED', 'contact.updated'],
]);

const TOPIC_SET: ReadonlySet<string> = new Set(ALLO_TOPICS);

export function isAlloTopic(value: string): value is AlloTopic {
  return TOPIC_SET.has(value);
}

/** Maps a topic as sent (v2 or legacy) to its v2 topic; null for anything unknown (matched exactly). */
export function resolveTopic(topic: string): AlloTopic | null {
  if (isAlloTopic(topic)) return topic;
  return LEGACY_TOPICS.get(topic) ?? null;
}
