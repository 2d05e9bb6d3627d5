import { parseAlloEvent } from '@allo-pipeline/allo-events';
import {
  storableDate,
  storableText,
  type Projection,
  type ProjectionEvent,
} from '@allo-pipeline/projections';
import type { RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';

/** A Kafka message as the planner needs it (a subset of kafkajs' KafkaMessage). */
export interface RawMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/** The outcome of decoding one raw-topic value. */
export type DecodedMessage = { ok: true; record: RawWebhookRecord } | { ok: false; error: string };

/** What one projection does with one message. */
export type MessageVerdict =
  { kind: 'apply'; event: ProjectionEvent } | { kind: 'skip' } | { kind: 'dead-letter'; error: string };

/** A dead_letters row before the runner adds projection, version and topic. */
export interface DeadLetterDraft {
  readonly partition: number;
  readonly offset: string;
  readonly webhookId: string | null;
  readonly error: string;
  readonly rawKey: Buffer | null;
  readonly rawValue: Buffer | null;
  readonly headers: Record<string, string>;
}

export interface BatchPlan {
  readonly toApply: ProjectionEvent[];
  readonly deadLetters: DeadLetterDraft[];
  readonly skipped: number;
  /** occurredAt of the latest applied event, for last_event_at and the lag-in-seconds gauge. */
  readonly lastEventAt: Date | null;
}

/**
 * Decides what `projection` does with one decoded message. Undecodable values are dead-lettered by
 * every projection (all of them read the raw topic); a body that fails to parse is dead-lettered
 * by each projection whose topics include the record's topic, and by every projection when the
 * gateway could not read a topic either (topic null); other projections skip it. Parsed events
 * go through `projection.classify`, whose rejects are dead-lettered.
 */
export function classifyMessage(projection: Projection, decoded: DecodedMessage): MessageVerdict {
  if (!decoded.ok) return { kind: 'dead-letter', error: `undecodable raw record: ${decoded.error}` };
  const { record } = decoded;
  const parsed = parseAlloEvent(record.body);
  if (!parsed.ok) {
    const ours = record.topic === null || projection.topics.includes(record.topic);
    if (!ours) return { kind: 'skip' };
    return { kind: 'dead-letter', error: `invalid event at ${parsed.error.path}: ${parsed.error.message}` };
  }
  const verdict = projection.classify(parsed.event);
  if (verdict.kind === 'skip') return verdict;
  if (verdict.kind === 'reject') return { kind: 'dead-letter', error: `rejected: ${verdict.error}` };
  // The webhook-timestamp header was checked against the gateway's clock: always storable.
  const occurredAt = storableDate(parsed.event.occurredAt) ?? new Date(record.webhookTimestamp * 1000);
  return { kind: 'apply', event: { webhookId: record.webhookId, occurredAt, event: parsed.event } };
}

/** Splits a batch into the events to apply and the dead letters to insert. Pure. */
export function planBatch(
  projection: Projection,
  partition: number,
  messages: ReadonlyArray<{ message: RawMessage; decoded: DecodedMessage }>,
): BatchPlan {
  const toApply: ProjectionEvent[] = [];
  const deadLetters: DeadLetterDraft[] = [];
  let skipped = 0;
  let lastEventAt: Date | null = null;
  for (const { message, decoded } of messages) {
    const verdict = classifyMessage(projection, decoded);
    if (verdict.kind === 'skip') skipped += 1;
    else if (verdict.kind === 'dead-letter')
      deadLetters.push(toDeadLetter(partition, message, decoded, verdict.error));
    else {
      toApply.push(verdict.event);
      if (lastEventAt === null || verdict.event.occurredAt > lastEventAt)
        lastEventAt = verdict.event.occurredAt;
    }
  }
  return { toApply, deadLetters, skipped, lastEventAt };
}

/**
 * A dead letter for `message`. Its error text, webhook id and headers are made storable
 * (Postgres text and jsonb refuse NUL and lone surrogates, and an error may quote the record);
 * the raw key and value are kept byte for byte.
 */
export function toDeadLetter(
  partition: number,
  message: RawMessage,
  decoded: DecodedMessage | undefined,
  error: string,
): DeadLetterDraft {
  const headers = Object.fromEntries(
    Object.entries(headersToRecord(message.headers)).map(([name, value]) => [
      storableText(name),
      storableText(value),
    ]),
  );
  const webhookId = decoded?.ok ? decoded.record.webhookId : (headers['webhook-id'] ?? null);
  return {
    partition,
    offset: message.offset,
    webhookId: webhookId === null ? null : storableText(webhookId),
    error: storableText(error),
    rawKey: message.key,
    rawValue: message.value,
    headers,
  };
}

/** Kafka headers as UTF-8 strings (repeated headers keep their last value). */
export function headersToRecord(headers: RawMessage['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = Buffer.isBuffer(last) ? last.toString('utf8') : last;
  }
  return result;
}
