// Test support: seeded simulator histories (one placed just before `now`, or one from a given
// start), and the figures the dashboard must show once all of it is projected, counted from the
// history itself.
import { generateHistory, type SimulatedEvent } from '@allo-pipeline/allo-simulator';

const SIZE = { calls: 12, smsConversations: 8, contacts: 6, spanMs: 300_000 } as const;
/** Every event must fall inside the dashboard's 60-minute chart for the whole test. */
const MAX_HISTORY_MS = 45 * 60_000;
/** The newest event is this long before `now`, so none is in the future when the API counts. */
const MARGIN_MS = 20_000;

export interface SimulatedTraffic {
  readonly events: readonly SimulatedEvent[];
  /** The first and last envelope timestamps (epoch ms). */
  readonly firstAt: number;
  readonly lastAt: number;
  /** What GET /v1/stats/coverage must answer once this history alone is projected. */
  readonly coverage: { readonly first_event_at: string; readonly last_event_at: string };
  /** data-testid → text the dashboard shows when converged. */
  readonly figures: Readonly<Record<string, string>>;
  /** Distinct call results (each with a total-calls-<result> figure). */
  readonly results: readonly string[];
  readonly calls: number;
  readonly messages: number;
}

/**
 * The seed's history with an explicit startAt chosen so that its newest event is MARGIN_MS before
 * `now` (the simulator's offsets do not depend on startAt), and its expected figures. An explicit
 * start keeps this independent of where the simulator anchors a history by default.
 */
export function simulatedTraffic(now: number, seed: number): SimulatedTraffic {
  const probe = simulatedTrafficFrom(new Date(0), seed);
  const traffic = simulatedTrafficFrom(new Date(now - probe.lastAt - MARGIN_MS), seed);
  if (traffic.lastAt >= now) throw new Error('simulated events lie in the future');
  return traffic;
}

/**
 * The seed's history starting at `startAt`, and its expected figures. Throws when it spans more
 * than MAX_HISTORY_MS, which would push events out of the 60-minute chart.
 */
export function simulatedTrafficFrom(startAt: Date, seed: number): SimulatedTraffic {
  const events = generateHistory({ ...SIZE, seed, startAt });
  const times = events.map(eventTime);
  const [firstAt, lastAt] = [Math.min(...times), Math.max(...times)];
  if (lastAt - firstAt > MAX_HISTORY_MS)
    throw new Error(`seed ${seed}: history spans ${lastAt - firstAt} ms`);
  const covered = events.flatMap(statsTimes);
  const coverage = {
    first_event_at: new Date(Math.min(...covered)).toISOString(),
    last_event_at: new Date(Math.max(...covered)).toISOString(),
  };
  return { events, firstAt, lastAt, coverage, ...expectedFigures(events) };
}

/**
 * The instants /v1/stats counts an event at: messages by sent_at (which precedes the delivery's
 * timestamp), a completed call also by its start, everything else by envelope timestamp.
 */
function statsTimes(event: SimulatedEvent): number[] {
  const { data } = JSON.parse(event.body) as { data: { sent_at?: string; start_date?: string } };
  if (event.topic.startsWith('sms.')) return [Date.parse(data.sent_at!)];
  if (event.topic === 'call.completed') return [eventTime(event), Date.parse(data.start_date!)];
  return [eventTime(event)];
}

type Figures = Omit<SimulatedTraffic, 'events' | 'firstAt' | 'lastAt' | 'coverage'>;

function expectedFigures(events: readonly SimulatedEvent[]): Figures {
  const topics = countBy(events, (event) => event.topic);
  const results = new Map<string, string>(); // call id → result
  const sms = { inbound: new Set<string>(), outbound: new Set<string>() };
  for (const event of events) {
    const data = (JSON.parse(event.body) as { data: { id?: string; result?: string } }).data;
    if (event.topic === 'call.completed') results.set(data.id!, data.result!);
    if (event.topic === 'sms.received') sms.inbound.add(data.id!);
    if (event.topic === 'sms.sent') sms.outbound.add(data.id!);
  }
  const byResult = countBy([...results.values()], (result) => result);
  const figures: Record<string, string> = {
    'total-sms-inbound': String(sms.inbound.size),
    'total-sms-outbound': String(sms.outbound.size),
    'total-calls': String(results.size),
    'total-events': String(events.length),
    'events-last-hour': String(events.length),
  };
  for (const [result, n] of byResult) figures[`total-calls-${result.toLowerCase()}`] = String(n);
  for (const [topic, n] of topics) figures[`total-topic-${topic}`] = String(n);
  for (const projection of ['calls', 'messages', 'contacts']) figures[`lag-${projection}-messages`] = '0';
  return {
    figures,
    results: [...byResult.keys()],
    calls: results.size,
    messages: sms.inbound.size + sms.outbound.size,
  };
}

function eventTime(event: SimulatedEvent): number {
  return Date.parse((JSON.parse(event.body) as { timestamp: string }).timestamp);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
