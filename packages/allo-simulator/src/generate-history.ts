import { simulateCall, type HistoryContext } from './call-events.js';
import { simulateContactEvents } from './contact-events.js';
import { createContactPool } from './contact-pool.js';
import { createRandom, randomWebhookId, type Random } from './random.js';
import { ALLO_LINES } from './sample-data.js';
import { simulateSmsConversation } from './sms-events.js';
import { isoTime, isoTimeMicros, type TimedEvent } from './timeline.js';

/** One webhook message ready to deliver: its `webhook-id`, its topic and the exact body bytes. */
export interface SimulatedEvent {
  readonly id: string;
  readonly topic: string;
  /** The JSON envelope `{ topic, version, timestamp, data }`, sent byte for byte. */
  readonly body: string;
}

export interface HistoryOptions {
  /** Same seed (and other options) => byte-identical bodies and webhook-ids. */
  readonly seed: number;
  /** Number of calls (each 2+ events). */
  readonly calls: number;
  /** Number of SMS conversations (each 1-4 messages). */
  readonly smsConversations: number;
  /** Size of the contact pool (each one `contact.created`, half of them 1-2 `contact.updated`). */
  readonly contacts: number;
  /**
   * Start of the simulated period. Without it the history is anchored at `endAt`: its last event
   * happens then, so traffic sent now lands in "the last hour" and "the last 24 hours".
   */
  readonly startAt?: Date | string;
  /** When the last event happens, if startAt is not given; default now. */
  readonly endAt?: Date | string | number;
  /** Length of the simulated period; defaults to 3 minutes per call/conversation/contact, at least 1 h. */
  readonly spanMs?: number;
}

/** Invalid generator options (a caller bug); the message names the option. */
export class HistoryOptionsError extends Error {
  override readonly name = 'HistoryOptionsError';
}

/**
 * Builds a seeded, internally consistent Allo history (contacts, call lifecycles, SMS
 * conversations) ordered by envelope timestamp, each event with a fresh `msg_` webhook-id.
 * Deterministic for the same options with startAt or endAt given (pure then); throws
 * HistoryOptionsError on negative/non-integer counts or a bad date.
 */
export function generateHistory(options: HistoryOptions): SimulatedEvent[] {
  if (options.startAt !== undefined) return generateFrom(parseDate('startAt', options.startAt), options);
  const endAt = parseDate('endAt', options.endAt ?? Date.now());
  // Every time in a history is its start plus seeded offsets, so the same seed started at 0 tells
  // how long the history runs; started that much before endAt, its last event is at endAt.
  const probe = generateFrom(0, options);
  const last = probe.length === 0 ? 0 : lastEnvelopeTime(probe);
  return generateFrom(endAt - last, options);
}

function generateFrom(start: number, options: HistoryOptions): SimulatedEvent[] {
  for (const key of ['calls', 'smsConversations', 'contacts'] as const) requireCount(key, options[key]);
  const items = options.calls + options.smsConversations + options.contacts;
  const spanMs = options.spanMs ?? Math.max(3_600_000, items * 180_000);
  if (!(spanMs >= 60_000)) throw new HistoryOptionsError(`spanMs must be at least 60000, got ${spanMs}`);
  const random = createRandom(options.seed);
  const timeline = { start, spanMs };
  const usedNumbers = new Set<string>(ALLO_LINES.map((line) => line.number));
  const contacts = createContactPool(random, options.contacts, timeline, usedNumbers);
  const context: HistoryContext = { timeline, contacts, usedNumbers };
  const timed: TimedEvent[] = simulateContactEvents(random, contacts);
  for (let i = 0; i < options.calls; i++) timed.push(...simulateCall(random, context));
  for (let i = 0; i < options.smsConversations; i++) timed.push(...simulateSmsConversation(random, context));
  timed.sort((a, b) => a.at - b.at); // stable: same-instant events keep their causal order
  const ids = new Set<string>();
  return timed.map((event) => ({
    id: uniqueId(random, ids),
    topic: event.topic,
    body: envelope(random, event),
  }));
}

/** The v2 envelope; 3 or 6 fraction digits in `timestamp`, as both appear in Allo's docs. */
function envelope(random: Random, event: TimedEvent): string {
  const timestamp = random.chance(0.3) ? isoTimeMicros(event.at, random.int(0, 999)) : isoTime(event.at);
  return JSON.stringify({ topic: event.topic, version: '2.0', timestamp, data: event.data });
}

function uniqueId(random: Random, seen: Set<string>): string {
  let id = randomWebhookId(random);
  while (seen.has(id)) id = randomWebhookId(random);
  seen.add(id);
  return id;
}

/** Envelope timestamps are whole milliseconds (micro digits aside), sorted: the last is the latest. */
function lastEnvelopeTime(events: readonly SimulatedEvent[]): number {
  const { timestamp } = JSON.parse(events[events.length - 1]!.body) as { timestamp: string };
  return Date.parse(timestamp);
}

function parseDate(option: 'startAt' | 'endAt', value: Date | string | number): number {
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) throw new HistoryOptionsError(`${option} is not a valid date: ${String(value)}`);
  return ms;
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new HistoryOptionsError(`${name} must be a non-negative integer, got ${value}`);
  }
}
