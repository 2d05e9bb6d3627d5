import { pickParty, type HistoryContext } from './call-events.js';
import { displayName, personAt } from './contact-pool.js';
import type { Random } from './random.js';
import { ALLO_LINES, SMS_SCRIPTS } from './sample-data.js';
import { isoTime, type TimedEvent } from './timeline.js';

/**
 * One SMS conversation between an Allo line and a party: `sms.received` for messages from the
 * party, `sms.sent` for replies, minutes apart. Numbers and names match the contact pool.
 */
export function simulateSmsConversation(random: Random, context: HistoryContext): TimedEvent[] {
  const line = random.pick(ALLO_LINES);
  const party = pickParty(random, context);
  const script = random.pick(SMS_SCRIPTS);
  let sentAt = context.timeline.start + Math.floor(random.next() * context.timeline.spanMs);
  const events: TimedEvent[] = [];
  for (const message of script) {
    const person = party.contact ? personAt(party.contact, sentAt) : undefined;
    const inbound = message.dir === 'in';
    const external = { number: party.number, name: displayName(person) };
    const internal = { number: line.number, name: line.name };
    const [from, to] = inbound ? [external, internal] : [internal, external];
    const data = {
      id: `msg_${random.base62(20)}`,
      direction: inbound ? 'INBOUND' : 'OUTBOUND',
      type: 'SMS',
      content: message.text.replace('{name}', person?.name ?? 'there'),
      sent_at: isoTime(sentAt),
      from_number: from.number,
      to_number: to.number,
      from_name: from.name,
      to_name: to.name,
      user_email: line.userEmail,
    };
    events.push({ topic: inbound ? 'sms.received' : 'sms.sent', at: sentAt + random.int(50, 900), data });
    sentAt += random.int(20_000, 20 * 60_000);
  }
  return events;
}
