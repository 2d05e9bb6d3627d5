import { readString, type JsonObject } from './read-fields.js';
import type { SmsData } from './types.js';

/** sms.received / sms.sent and legacy SMS_RECEIVED / SMS_SENT (spec §3.5, §3.6). */
export function readSmsData(obj: JsonObject, base: string): SmsData {
  return {
    id: readString(obj, base, 'id'),
    direction: readString(obj, base, 'direction'),
    type: readString(obj, base, 'type'),
    content: readString(obj, base, 'content'),
    sent_at: readString(obj, base, 'sent_at'),
    from_number: readString(obj, base, 'from_number', 'fromNumber'),
    to_number: readString(obj, base, 'to_number', 'to'),
    from_name: readString(obj, base, 'from_name', 'fromName'),
    to_name: readString(obj, base, 'to_name', 'toName'),
    user_email: readString(obj, base, 'user_email'),
    sender_id: readString(obj, base, 'sender_id'),
    status: readString(obj, base, 'status'),
  };
}
