import { displayName, personAt, randomPhoneNumber, type SimulatedContact } from './contact-pool.js';
import type { Person } from './contact-pool.js';
import type { Random } from './random.js';
import { ALLO_LINES, CALL_SUMMARIES, CALL_TAGS, TRANSCRIPT_LINES } from './sample-data.js';
import { isoTime, type TimedEvent, type Timeline } from './timeline.js';

/** What calls and SMS conversations draw on: the period, the contact pool and the numbers in use. */
export interface HistoryContext {
  readonly timeline: Timeline;
  readonly contacts: readonly SimulatedContact[];
  readonly usedNumbers: Set<string>;
}

/** The external side of a call or conversation: a known contact's number, or an unknown number. */
export interface Party {
  readonly number: string;
  readonly contact: SimulatedContact | undefined;
}

type AlloLine = (typeof ALLO_LINES)[number];

const INBOUND_RESULTS = [
  ['ANSWERED', 70],
  ['VOICEMAIL', 15],
  ['TRANSFERRED_AI', 5],
  ['TRANSFERRED_EXTERNAL', 4],
  ['FAILED', 6],
] as const;
const OUTBOUND_RESULTS = [
  ['ANSWERED', 60],
  ['VOICEMAIL', 30],
  ['FAILED', 10],
] as const;

/** 80% of parties are contacts of the pool (when there is one); the rest are unknown numbers. */
export function pickParty(random: Random, context: HistoryContext): Party {
  if (context.contacts.length > 0 && random.chance(0.8)) {
    const contact = random.pick(context.contacts);
    return { number: contact.number, contact };
  }
  return { number: randomPhoneNumber(random, context.usedNumbers), contact: undefined };
}

/**
 * One call's lifecycle: `call.received` (inbound) or `call.triggered` (outbound), `tag.added`
 * events (sometimes a `tag.removed`) while it runs, then `call.completed`. The completed event's
 * `start_date` and numbers equal the start event's `started_at` and numbers.
 */
export function simulateCall(random: Random, context: HistoryContext): TimedEvent[] {
  const line = random.pick(ALLO_LINES);
  const party = pickParty(random, context);
  const inbound = random.chance(0.6);
  const startedAt = context.timeline.start + Math.floor(random.next() * context.timeline.spanMs);
  const person = party.contact ? personAt(party.contact, startedAt) : undefined;
  const result = weightedPick(random, inbound ? INBOUND_RESULTS : OUTBOUND_RESULTS);
  const seconds = callSeconds(random, result);
  const callId = `cll_${random.base62(20)}`;
  const start = startEvent(random, { line, party, person, inbound, startedAt });
  const completedAt = startedAt + seconds * 1000 + random.int(5_000, 60_000);
  const tags = simulateTags(
    random,
    callId,
    result === 'FAILED' ? 0 : random.int(0, 3),
    start.at,
    completedAt,
  );
  const external = { number: party.number, name: displayName(person) };
  const internal = { number: line.number, name: line.name };
  const [from, to] = inbound ? [external, internal] : [internal, external];
  const answered = result === 'ANSWERED' || result.startsWith('TRANSFERRED');
  const data = {
    id: callId,
    start_date: isoTime(startedAt),
    from_number: from.number,
    from_name: from.name,
    to: to.number,
    to_name: to.name,
    type: inbound ? 'INBOUND' : 'OUTBOUND',
    result,
    length_in_minutes: Math.round((seconds / 60) * 100) / 100,
    length: `${Math.floor(seconds / 60)}m ${seconds % 60}s`,
    recording_url: result === 'FAILED' ? null : `https://recordings.example-cdn.net/${callId}.mp3`,
    tags: tags.finalTags,
    summary: answered ? `**Summary:** ${summarize(random, person)}` : null,
    user_email: line.userEmail,
    transcriptions: answered ? transcribe(random, startedAt, seconds) : [],
  };
  return [start, ...tags.events, { topic: 'call.completed', at: completedAt, data }];
}

interface CallStart {
  readonly line: AlloLine;
  readonly party: Party;
  readonly person: Person | undefined;
  readonly inbound: boolean;
  readonly startedAt: number;
}

function startEvent(random: Random, call: CallStart): TimedEvent {
  const at = call.startedAt + random.int(150, 900);
  const { line, party, person, startedAt } = call;
  if (!call.inbound) {
    const data = {
      from_number: line.number,
      to_number: party.number,
      started_at: isoTime(startedAt),
      user_email: line.userEmail,
    };
    return { topic: 'call.triggered', at, data };
  }
  const data = {
    from_number: party.number,
    to_number: line.number,
    started_at: isoTime(startedAt),
    user_email: line.userEmail,
    // Allo leaves `person` out when no contact matches the caller; company and deals are then null.
    ...(person ? { person } : {}),
    company: person ? (party.contact?.company ?? null) : null,
    deals: person ? (party.contact?.deals ?? null) : null,
  };
  return { topic: 'call.received', at, data };
}

/** `count` distinct tags added between `from` and `until`; a quarter of calls lose one again. */
function simulateTags(random: Random, callId: string, count: number, from: number, until: number) {
  const added: { tag: string; at: number }[] = [];
  for (let i = 0; i < count; i++) {
    const tag = random.pick(CALL_TAGS);
    if (!added.some((entry) => entry.tag === tag)) added.push({ tag, at: random.int(from + 1, until - 2) });
  }
  added.sort((a, b) => a.at - b.at); // call.completed lists tags in the order they were added
  const events: TimedEvent[] = added.map(({ tag, at }) => ({
    topic: 'tag.added',
    at,
    data: { call_id: callId, tag },
  }));
  const removed = added.length > 0 && random.chance(0.25) ? random.pick(added) : undefined;
  if (removed) {
    const at = random.int(removed.at + 1, until - 1);
    events.push({ topic: 'tag.removed', at, data: { call_id: callId, tag: removed.tag } });
  }
  return { events, finalTags: added.filter((entry) => entry !== removed).map((entry) => entry.tag) };
}

function callSeconds(random: Random, result: string): number {
  if (result === 'FAILED') return random.int(0, 10);
  if (result === 'VOICEMAIL') return random.int(15, 90);
  return random.int(30, 1200);
}

function summarize(random: Random, person: Person | undefined): string {
  return random.pick(CALL_SUMMARIES).replace('{name}', person?.name ?? 'The caller');
}

function transcribe(random: Random, startedAt: number, seconds: number) {
  const lines = random.int(2, 6);
  return Array.from({ length: lines }, (_, index) => {
    const source = index % 2 === 0 ? 'AGENT' : 'USER';
    const offset = Math.floor((seconds * 1000 * index) / lines);
    return { source, time: isoTime(startedAt + offset), text: random.pick(TRANSCRIPT_LINES[source]) };
  });
}

function weightedPick<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return choices[choices.length - 1]![0];
}
