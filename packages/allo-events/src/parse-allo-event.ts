import { readCallAnsweredData, readCallCompletedData, readCallStartedData } from './call-data.js';
import { readContactData } from './contact-data.js';
import {
  InvalidFieldError,
  describeType,
  isJsonObject,
  pickField,
  readString,
  typeMismatch,
  type FoundObject,
  type JsonObject,
} from './read-fields.js';
import { readSmsData } from './sms-data.js';
import { readSummaryUpdatedData } from './summary-data.js';
import { readTagChangedData } from './tag-data.js';
import { parseAlloTimestamp } from './timestamp.js';
import { resolveTopic, type AlloTopic } from './topics.js';
import type { AlloEvent, AlloEventMeta, EnvelopeKind, ParseIssue, ParseOutcome } from './types.js';

const utf8 = new TextDecoder('utf-8');

/**
 * Parses one webhook body: raw bytes (Buffer / Uint8Array, decoded as UTF-8), a string (always
 * treated as JSON text) or an already-parsed value. Never throws: every failure is an
 * `{ ok: false, error: { path, message } }` whose path names the bad field (`$` for the body).
 *
 * Accepts the v2 envelope `{topic, version, timestamp, data}`, the v1 `{topic, data}` and the
 * Apidog `{topic, body}`. Legacy UPPER_SNAKE topics map to v2 ones; unknown topics (incl. PING)
 * become the `unknown` variant. Only `topic` (a string) and, for known topics, the payload
 * object are required; other fields are optional, null when absent, and errors only when they
 * hold the wrong JSON type. Unknown keys are kept in `raw`.
 */
export function parseAlloEvent(input: unknown): ParseOutcome {
  try {
    return { ok: true, event: readEvent(decodeBody(input)) };
  } catch (error) {
    return { ok: false, error: toIssue(error) };
  }
}

function decodeBody(input: unknown): JsonObject {
  let value = input;
  if (input instanceof Uint8Array) value = parseJson(utf8.decode(input));
  else if (typeof input === 'string') value = parseJson(input.replace(/^\uFEFF/, ''));
  if (!isJsonObject(value)) {
    throw new InvalidFieldError('$', `body must be a JSON object, got ${describeType(value)}`);
  }
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error';
    throw new InvalidFieldError('$', `body is not valid JSON: ${reason}`);
  }
}

function toIssue(error: unknown): ParseIssue {
  if (error instanceof InvalidFieldError) return { path: error.path, message: error.message };
  // Only reachable for exotic pre-parsed inputs (throwing getters, proxies): keep the promise.
  const reason = error instanceof Error ? error.message : 'unknown error';
  return { path: '$', message: `unexpected error while reading the body: ${reason}` };
}

type Envelope = { meta: AlloEventMeta; payload: JsonObject | null; payloadPath: string };

function readEnvelope(root: JsonObject): Envelope {
  const topic = pickField(root, '', ['topic']);
  if (topic === undefined) throw new InvalidFieldError('topic', 'topic is required');
  if (typeof topic.value !== 'string') throw typeMismatch('topic', 'a string', topic.value);
  const version = readString(root, '', 'version');
  const timestamp = readString(root, '', 'timestamp');
  const occurredAt = timestamp === null ? null : parseAlloTimestamp(timestamp);
  if (timestamp !== null && occurredAt === null) {
    throw new InvalidFieldError('timestamp', 'timestamp must be an ISO 8601 instant with Z or an offset');
  }
  const payload = readPayload(root);
  const envelope: EnvelopeKind =
    payload?.path === 'body' ? 'legacy-body' : version !== null || timestamp !== null ? 'v2' : 'legacy-data';
  const raw = payload?.value ?? {};
  const meta = { version, timestamp, occurredAt, envelope, sourceTopic: topic.value, raw };
  return { meta, payload: payload?.value ?? null, payloadPath: payload?.path ?? 'data' };
}

/** `data`, else the Apidog `body` (`data` wins when both are present); null when neither is. */
function readPayload(root: JsonObject): FoundObject | null {
  const found = pickField(root, '', ['data', 'body']);
  if (found === undefined) return null;
  if (!isJsonObject(found.value)) throw typeMismatch(found.path, 'an object', found.value);
  return { value: found.value, path: found.path };
}

function readEvent(root: JsonObject): AlloEvent {
  const { meta, payload, payloadPath } = readEnvelope(root);
  const topic = resolveTopic(meta.sourceTopic);
  if (topic === null) return { ...meta, topic: 'unknown', originalTopic: meta.sourceTopic, data: meta.raw };
  if (payload === null) {
    throw new InvalidFieldError('data', `data (or legacy body) must be an object for topic ${topic}`);
  }
  return readKnownEvent(topic, meta, payload, payloadPath);
}

function readKnownEvent(topic: AlloTopic, meta: AlloEventMeta, obj: JsonObject, base: string): AlloEvent {
  switch (topic) {
    case 'call.received':
    case 'call.triggered':
      return { ...meta, topic, data: readCallStartedData(obj, base) };
    case 'call.answered':
      return { ...meta, topic, data: readCallAnsweredData(obj, base) };
    case 'call.completed':
      return { ...meta, topic, data: readCallCompletedData(obj, base) };
    case 'tag.added':
    case 'tag.removed':
      return { ...meta, topic, data: readTagChangedData(obj, base) };
    case 'sms.received':
    case 'sms.sent':
      return { ...meta, topic, data: readSmsData(obj, base) };
    case 'contact.created':
    case 'contact.updated':
      return { ...meta, topic, data: readContactData(obj, base) };
    case 'summary.updated':
      return { ...meta, topic, data: readSummaryUpdatedData(obj, base) };
  }
}
