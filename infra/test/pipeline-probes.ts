import type { Kafka } from 'kafkajs';
import { parseAlloEvent } from '@allo-pipeline/allo-events';
import {
  deliverEvents,
  type DeliveryOptions,
  type DeliveryReport,
  type SimulatedEvent,
} from '@allo-pipeline/allo-simulator';
import { waitUntil } from '@allo-pipeline/projection-runtime';
import { PROJECTIONS } from '@allo-pipeline/projections';
import { PROJECTION_NAMES, type ProjectionName } from '@allo-pipeline/read-models';
import { uniqueName } from '@allo-pipeline/testing';
import { RAW_TOPIC, type PipelineUnderTest } from './pipeline-under-test.js';
import { query } from './private-stack.js';

/** Each projection's event store: one row per webhook it applied (its exactly-once record). */
export const EVENT_STORES: Record<ProjectionName, string> = {
  calls: 'call_events',
  messages: 'applied_webhooks',
  contacts: 'contact_events',
};
/** Each projection's public read model (named like it) and its id column. */
export const ENTITY_KEYS: Record<ProjectionName, string> = {
  calls: 'call_id',
  messages: 'message_id',
  contacts: 'contact_id',
};

// Probes of what a running pipeline holds, used by the npm start tests and the fault suite.

/**
 * Delivers `events` to the gateway as Allo does (retries on a fast clock). `acked` receives each
 * acknowledged event's body by id as it is acknowledged (a caller may watch it fill).
 */
export async function deliver(
  pipeline: PipelineUnderTest,
  events: readonly SimulatedEvent[],
  options: Omit<DeliveryOptions, 'url' | 'secret' | 'onAck'> = {},
  acked = new Map<string, string>(),
): Promise<{ report: DeliveryReport; acked: Map<string, string> }> {
  const report = await deliverEvents(events, {
    timeScale: 0.001,
    ...options,
    url: pipeline.webhookUrl,
    secret: pipeline.webhookSecret(),
    onAck: (event) => acked.set(event.id, event.body),
  });
  return { report, acked };
}

/**
 * The webhook-id of every record of the raw topic (duplicates included), up to the high
 * watermarks. `topic`: the fault suite gives each scenario a raw topic of its own.
 */
export async function readRawWebhookIds(kafka: Kafka, topic = RAW_TOPIC): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const highs = new Map(
    ends.filter(({ low, high }) => low !== high).map((end) => [end.partition, BigInt(end.high)]),
  );
  const pending = new Set(highs.keys());
  const ids: string[] = [];
  if (pending.size === 0) return ids;
  const consumer = kafka.consumer({ groupId: uniqueName('raw-probe'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`raw topic not read to its end within 30 s`)), 30_000);
      const eachMessage = ({
        partition,
        message,
      }: {
        partition: number;
        message: RawRecord;
      }): Promise<void> => {
        const high = highs.get(partition) ?? 0n;
        if (BigInt(message.offset) < high) ids.push(String(message.headers?.['webhook-id'] ?? ''));
        if (BigInt(message.offset) + 1n >= high) pending.delete(partition);
        if (pending.size === 0) resolve(clearTimeout(timer));
        return Promise.resolve();
      };
      consumer.run({ eachMessage }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

type RawRecord = {
  offset: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
};

const LIVE_OFFSETS = `select o.projection, o.partition, o.next_offset::text as next_offset
  from read_model.projection_offsets o
  join read_model.projections p on p.projection = o.projection and p.live_version = o.version
  where o.topic = $1`;

/** What waitUntilProjected reads: the raw topic (RAW_TOPIC unless `rawTopic`) and the read models. */
export interface ProjectedPipeline {
  kafka(): Kafka;
  readonly endpoints: { readonly databaseUrl: string };
  readonly rawTopic?: string;
}

/** Waits until every projection's stored offsets (live generation) equal the raw topic's high watermarks. */
export async function waitUntilProjected(pipeline: ProjectedPipeline, timeoutMs = 60_000): Promise<void> {
  const topic = pipeline.rawTopic ?? RAW_TOPIC;
  const admin = pipeline.kafka().admin();
  await admin.connect();
  try {
    await waitUntil(
      'every projection at the end of the raw topic',
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const stored = await query<{ projection: string; partition: number; next_offset: string }>(
          pipeline.endpoints.databaseUrl,
          LIVE_OFFSETS,
          [topic],
        );
        const at = (projection: string, partition: number): string | undefined =>
          stored.find((row) => row.projection === projection && row.partition === partition)?.next_offset;
        return PROJECTION_NAMES.every((projection) =>
          ends.every(({ partition, low, high }) => (at(projection, partition) ?? low) === high),
        );
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

/** The acknowledged webhook ids each projection applies: its topics, and classify says apply. */
export function appliedBy(acked: ReadonlyMap<string, string>): Record<ProjectionName, Set<string>> {
  const expected = { calls: new Set<string>(), messages: new Set<string>(), contacts: new Set<string>() };
  for (const [id, body] of acked) {
    const parsed = parseAlloEvent(body);
    for (const name of PROJECTION_NAMES) {
      const projection = PROJECTIONS[name];
      if (
        parsed.ok &&
        projection.topics.includes(parsed.event.topic) &&
        projection.classify(parsed.event).kind === 'apply'
      )
        expected[name].add(id);
    }
  }
  return expected;
}

/** The calls, messages and contacts that acknowledged events describe (what the read models must hold). */
export function expectedEntities(
  bodies: Iterable<string>,
): Record<'calls' | 'messages' | 'contacts', Set<string>> {
  const ids = { calls: new Set<string>(), messages: new Set<string>(), contacts: new Set<string>() };
  const add = (set: Set<string>, id: string | null | undefined): void => void (id && set.add(id));
  for (const body of bodies) {
    const parsed = parseAlloEvent(body);
    const event = parsed.ok ? parsed.event : undefined;
    switch (event?.topic) {
      case 'call.completed':
        add(ids.calls, event.data.id);
        add(ids.contacts, event.data.person?.id);
        break;
      case 'call.received':
      case 'call.triggered':
      case 'call.answered':
        add(ids.contacts, event.data.person?.id);
        break;
      case 'sms.received':
      case 'sms.sent':
        add(ids.messages, event.data.id);
        break;
      case 'contact.created':
      case 'contact.updated':
        add(ids.contacts, event.data.id);
    }
  }
  return ids;
}
