// Integration-test support: a fresh read-model database per test file, seeded through the real
// projections (the same folds the projectors run), and an authenticated supertest client.
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import request from 'supertest';
import { parseAlloEvent } from '@allo-pipeline/allo-events';
import { PROJECTIONS, type ProjectionEvent } from '@allo-pipeline/projections';
import {
  ensureLiveGeneration,
  migrateToLatest,
  PROJECTION_NAMES,
  readLiveGeneration,
  generationSchema,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { createQueryApi, type QueryApiDeps } from './create-query-api.js';

export const TEST_TOKEN = 'test-token-0123456789';
export const SECOND_TOKEN = 'second-token-9876543210';

/** A migrated database with a live generation of every projection, dropped by `drop()`. */
export async function createTestReadModels(prefix: string): Promise<TestDatabase<ReadModelDatabase>> {
  const database = await createTestDatabase<ReadModelDatabase>(prefix);
  await migrateToLatest(database.db as unknown as Kysely<unknown>);
  for (const projection of PROJECTION_NAMES) await ensureLiveGeneration(database.db, projection);
  return database;
}

/** An Allo delivery `{ topic, version: "2.0", timestamp: at, data }` parsed by the real parser. */
export function alloEvent(
  webhookId: string,
  topic: string,
  at: string,
  data: Record<string, unknown>,
): ProjectionEvent {
  const parsed = parseAlloEvent(Buffer.from(JSON.stringify({ topic, version: '2.0', timestamp: at, data })));
  if (!parsed.ok) throw new Error(`fixture ${webhookId} does not parse: ${JSON.stringify(parsed.error)}`);
  return { webhookId, occurredAt: parsed.event.occurredAt ?? new Date(at), event: parsed.event };
}

/** Folds the events into every projection that takes them, one transaction per projection. */
export async function applyEvents(
  db: Kysely<ReadModelDatabase>,
  events: readonly ProjectionEvent[],
): Promise<void> {
  for (const projection of Object.values(PROJECTIONS)) {
    const live = await readLiveGeneration(db, projection.name);
    if (!live) throw new Error(`no live generation of ${projection.name}`);
    const schema = generationSchema(projection.name, live.version);
    const applicable = events.filter((e) => projection.classify(e.event).kind === 'apply');
    if (applicable.length > 0)
      await db.transaction().execute((trx) => projection.applyBatch(trx, schema, applicable));
  }
}

let sequence = 0;
const nextId = (prefix: string) => `${prefix}_${String((sequence += 1)).padStart(5, '0')}`;

export function callCompleted(o: {
  id: string;
  startedAt: string | null;
  from?: string;
  to?: string;
  direction?: 'INBOUND' | 'OUTBOUND';
  result?: string;
  tags?: string[];
  contactId?: string;
  at?: string;
}): ProjectionEvent {
  const at = o.at ?? o.startedAt ?? '2026-02-03T12:00:00Z';
  return alloEvent(nextId('wh_call'), 'call.completed', at, {
    id: o.id,
    start_date: o.startedAt,
    from_number: o.from ?? '+14155550142',
    from_name: 'Jordan Whitfield',
    to: o.to ?? '+14155550100',
    to_name: 'Brightlane Sales',
    type: o.direction ?? 'INBOUND',
    result: o.result ?? 'ANSWERED',
    length_in_minutes: 2.5,
    recording_url: `https://recordings.example.net/${o.id}.mp3`,
    tags: o.tags ?? [],
    summary: `Summary of ${o.id}`,
    user_email: 'dana@brightlane.io',
    transcriptions: [{ source: 'USER', time: 0, text: 'Hello' }],
    ...(o.contactId && { person: { id: o.contactId, name: 'Jordan', last_name: 'Whitfield' } }),
  });
}

export function callReceived(o: { from: string; to: string; startedAt: string }): ProjectionEvent {
  return alloEvent(nextId('wh_ring'), 'call.received', o.startedAt, {
    from_number: o.from,
    to_number: o.to,
    started_at: o.startedAt,
    user_email: 'dana@brightlane.io',
  });
}

export function tagEvent(
  topic: 'tag.added' | 'tag.removed',
  callId: string,
  tag: string,
  at: string,
): ProjectionEvent {
  return alloEvent(nextId('wh_tag'), topic, at, { call_id: callId, tag });
}

export function sms(o: {
  id: string;
  direction: 'INBOUND' | 'OUTBOUND';
  sentAt: string;
  from: string;
  to: string;
  content?: string;
}): ProjectionEvent {
  return alloEvent(nextId('wh_sms'), o.direction === 'INBOUND' ? 'sms.received' : 'sms.sent', o.sentAt, {
    id: o.id,
    direction: o.direction,
    type: 'SMS',
    content: o.content ?? `message ${o.id}`,
    sent_at: o.sentAt,
    from_number: o.from,
    to_number: o.to,
  });
}

export function contactEvent(
  topic: 'contact.created' | 'contact.updated',
  at: string,
  person: { id: string; name?: string; last_name?: string; email?: string; numbers?: string[] },
): ProjectionEvent {
  return alloEvent(nextId('wh_cnt'), topic, at, {
    job_title: 'Operations Manager',
    ...(person.email && { emails: [person.email] }),
    ...person,
  });
}

/** The app over `db` with test tokens; `get(path)` sends the first token. */
export function testApi(db: Kysely<ReadModelDatabase>, overrides: Partial<QueryApiDeps> = {}) {
  const app = createQueryApi({
    db,
    tokens: [TEST_TOKEN, SECOND_TOKEN],
    logger: pino({ level: 'silent' }),
    now: () => Date.parse('2026-02-04T00:00:00Z'),
    readProjectionStatus: null,
    rawTopic: 'allo.webhooks.raw',
    ...overrides,
  });
  const server = app.callback();
  return {
    server,
    get: (path: string) => request(server).get(path).set('Authorization', `Bearer ${TEST_TOKEN}`),
  };
}

/** Follows next_cursor from `path` with `limit` until the last page; returns every item in order. */
export async function walkPages<T = Record<string, unknown>>(
  get: (path: string) => request.Test,
  path: string,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await get(`${path}${separator}limit=${limit}${suffix}`);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text}`);
    const body = res.body as { data: T[]; next_cursor: string | null };
    items.push(...body.data);
    cursor = body.next_cursor;
    pages += 1;
    if (pages > 1000) throw new Error('pagination does not end');
  } while (cursor !== null);
  return { items, pages };
}
