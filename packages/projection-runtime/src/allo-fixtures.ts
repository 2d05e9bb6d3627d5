import { randomBytes } from 'node:crypto';
import { partitionKey, parseAlloEvent } from '@allo-pipeline/allo-events';
import {
  rawRecordHeaders,
  type RawRecordCodec,
  type RawWebhookRecord,
} from '@allo-pipeline/raw-webhook-record';
import type { Producer } from 'kafkajs';

// Test support: realistic Allo bodies (spec §3 shapes) wrapped in RawWebhookRecords, and a
// publisher that writes them like the gateway does. Exported for the integration tests of this
// package and of the CLI; not used by production code.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An Allo-looking id: prefix + 20 base62 characters. */
export function fixtureId(prefix: string): string {
  return prefix + [...randomBytes(20)].map((b) => BASE62[b % 62]).join('');
}

/** A raw record for an envelope `{ topic, version, timestamp, data }` sent at `at`. */
export function fixtureRecord(topic: string, data: Record<string, unknown>, at: Date): RawWebhookRecord {
  const body = JSON.stringify({ topic, version: '2.0', timestamp: at.toISOString(), data });
  return rawFixture(topic, Buffer.from(body), at);
}

/** A raw record with any body (for invalid events); `topic` as the gateway would have read it. */
export function rawFixture(topic: string | null, body: Buffer, at: Date): RawWebhookRecord {
  return {
    webhookId: fixtureId('msg_'),
    webhookTimestamp: Math.floor(at.getTime() / 1000),
    receivedAt: at.getTime() + 150,
    source: 'default',
    topic,
    body,
  };
}

export const alloFixtures = {
  callReceived(o: { from: string; to: string; startedAt: Date; at?: Date }): RawWebhookRecord {
    return fixtureRecord(
      'call.received',
      {
        from_number: o.from,
        to_number: o.to,
        started_at: o.startedAt.toISOString(),
        user_email: 'dana.reyes@brightlane.io',
        company: null,
        deals: null,
      },
      o.at ?? o.startedAt,
    );
  },
  callCompleted(o: {
    id: string;
    from: string;
    to: string;
    startedAt: Date;
    at?: Date;
    tags?: string[];
    result?: string;
  }): RawWebhookRecord {
    return fixtureRecord(
      'call.completed',
      {
        id: o.id,
        start_date: o.startedAt.toISOString(),
        from_number: o.from,
        from_name: 'Jordan Whitfield',
        to: o.to,
        to_name: 'Brightlane Sales',
        type: 'INBOUND',
        result: o.result ?? 'ANSWERED',
        length_in_minutes: 7.25,
        length: '7m 15s',
        recording_url: `https://recordings.example-cdn.net/${o.id}.mp3`,
        tags: o.tags ?? ['pricing'],
        summary: '**Summary:** Jordan asked for pricing on 40 trackers.',
        user_email: 'dana.reyes@brightlane.io',
      },
      o.at ?? new Date(o.startedAt.getTime() + 7 * 60_000),
    );
  },
  tagAdded(o: { callId: string | null; tag: string; at: Date }): RawWebhookRecord {
    return fixtureRecord(
      'tag.added',
      o.callId === null ? { tag: o.tag } : { call_id: o.callId, tag: o.tag },
      o.at,
    );
  },
  smsReceived(o: { id: string; content: string; at: Date }): RawWebhookRecord {
    return fixtureRecord(
      'sms.received',
      {
        id: o.id,
        direction: 'INBOUND',
        type: 'SMS',
        content: o.content,
        sent_at: new Date(o.at.getTime() - 600).toISOString(),
        from_number: '+14155550142',
        to_number: '+14155550100',
        from_name: 'Jordan Whitfield',
        to_name: 'Brightlane Sales',
        user_email: 'dana.reyes@brightlane.io',
      },
      o.at,
    );
  },
  contactUpdated(o: { id: string; jobTitle: string; at: Date }): RawWebhookRecord {
    return fixtureRecord(
      'contact.updated',
      {
        id: o.id,
        name: 'Jordan',
        last_name: 'Whitfield',
        email: 'jordan@harborfreight-logistics.com',
        emails: ['jordan@harborfreight-logistics.com'],
        numbers: ['+14155550142'],
        job_title: o.jobTitle,
        lead_source: 'Webinar',
      },
      o.at,
    );
  },
};

/** Publishes records the way the gateway does (Confluent-framed value, metadata headers, entity key). */
export async function publishFixtures(
  producer: Producer,
  codec: RawRecordCodec,
  topic: string,
  records: readonly RawWebhookRecord[],
): Promise<void> {
  const messages = await Promise.all(
    records.map(async (record) => {
      const parsed = parseAlloEvent(record.body);
      return {
        key: parsed.ok ? partitionKey(parsed.event) : record.webhookId,
        value: await codec.encode(record),
        headers: rawRecordHeaders(record),
      };
    }),
  );
  await producer.send({ topic, messages });
}

/** Polls `check` until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
