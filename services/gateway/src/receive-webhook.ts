import { createHash } from 'node:crypto';
import { parseAlloEvent, partitionKey, type AlloEvent } from '@allo-pipeline/allo-events';
import {
  MAX_RECORD_KEY_LENGTH,
  MAX_RECORDED_TOPIC_LENGTH,
  rawRecordHeaders,
  type RawWebhookRecord,
} from '@allo-pipeline/raw-webhook-record';
import {
  verifyWebhook,
  type VerifyFailureReason,
  type WebhookHeaders,
  type WebhookSecret,
} from '@allo-pipeline/webhook-signature';
import { WebhookRequestError } from './http-error.js';
import type { SourceLookup } from './live-sources.js';
import { publishWithin, type RawEventPublisher } from './raw-event-publisher.js';

export interface ReceiveWebhookDeps {
  sources: Pick<SourceLookup, 'get' | 'awaitNewSecrets'>;
  publisher: RawEventPublisher;
  encode: (record: RawWebhookRecord) => Promise<Buffer>;
  now: () => number;
  toleranceSeconds: number;
  ackDeadlineMs: number;
  onVerificationFailure?: (reason: VerifyFailureReason) => void;
  onPublished?: (seconds: number) => void;
}

export interface ReceivedWebhook {
  webhookId: string;
  /** The event topic, or null when the body could not be parsed. */
  topic: string | null;
  /** The secret that verified it (several are active during a rotation). */
  secret: WebhookSecret;
}

// Malformed requests are 400; authentication failures (wrong key, stale or future time) are 401.
const FAILURE_STATUS: Record<VerifyFailureReason, number> = {
  'missing-header': 400,
  'invalid-timestamp': 400,
  'malformed-signature': 400,
  'stale-timestamp': 401,
  'future-timestamp': 401,
  'bad-signature': 401,
};

/**
 * Verifies one delivery and publishes it to the raw topic. Resolves only once Kafka has
 * acknowledged the record, so a 2xx built on it is never given for an event that is not durable.
 * Throws WebhookRequestError for unknown sources (404), failed verification (400/401) and an
 * unacknowledged publish (503, so Allo retries). A signed body that is not JSON, or has an
 * unknown topic, is still published: nothing authenticated is dropped here.
 */
export async function receiveWebhook(
  request: { source: string; body: Buffer; headers: WebhookHeaders },
  deps: ReceiveWebhookDeps,
): Promise<ReceivedWebhook> {
  let secrets = deps.sources.get(request.source);
  if (!secrets)
    throw new WebhookRequestError(404, 'unknown-source', `no Allo source named "${request.source}"`);
  const verify = (candidates: readonly WebhookSecret[]) =>
    verifyWebhook({
      body: request.body,
      headers: request.headers,
      secrets: candidates,
      now: deps.now,
      toleranceSeconds: deps.toleranceSeconds,
    });
  let verified = verify(secrets);
  // During `allo rotate`, Allo may sign with the new webhook's secret before the sources file
  // has it: such a request waits (bounded) for the reload instead of being refused.
  // At most two holds of HOLD_MS each, so a request never waits unbounded.
  for (let held = 0; held < 2 && !verified.ok && verified.reason === 'bad-signature'; held += 1) {
    if (!deps.sources.awaitNewSecrets) break;
    const next = await deps.sources.awaitNewSecrets(request.source, secrets);
    if (!next) break;
    secrets = next;
    verified = verify(secrets);
  }
  if (!verified.ok) {
    deps.onVerificationFailure?.(verified.reason);
    throw new WebhookRequestError(FAILURE_STATUS[verified.reason], verified.reason, verified.message);
  }
  const parsed = parseAlloEvent(request.body);
  const topic = parsed.ok ? recordedTopic(parsed.event) : null;
  const record: RawWebhookRecord = {
    webhookId: verified.webhookId,
    webhookTimestamp: verified.timestamp,
    receivedAt: deps.now(),
    source: request.source,
    topic,
    body: request.body,
  };
  const key = boundedKey(parsed.ok ? partitionKey(parsed.event) : `webhook:${verified.webhookId}`);
  const startedAt = deps.now();
  try {
    await publishWithin(
      deps.publisher,
      {
        key,
        value: await deps.encode(record),
        headers: rawRecordHeaders(record),
        timestamp: record.receivedAt,
      },
      deps.ackDeadlineMs,
    );
  } catch (error) {
    throw new WebhookRequestError(
      503,
      'not-durable',
      `event not stored, retry later: ${(error as Error).message}`,
    );
  }
  deps.onPublished?.((deps.now() - startedAt) / 1000);
  return { webhookId: verified.webhookId, topic, secret: secrets[verified.secretIndex] ?? secrets[0]! };
}

// The topic and key come from the body; bounded, they keep every record within the raw topic's
// max.message.bytes (body limit + RAW_RECORD_OVERHEAD_BYTES) whatever the body holds.
function recordedTopic(event: AlloEvent): string | null {
  const topic = event.topic === 'unknown' ? event.originalTopic : event.topic;
  return topic.length <= MAX_RECORDED_TOPIC_LENGTH ? topic : null;
}

/** The entity key, or its SHA-256 when it is too long: still one partition per entity. */
function boundedKey(key: string): string {
  return key.length <= MAX_RECORD_KEY_LENGTH
    ? key
    : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}
