// Test support: a seeded simulator history placed just before `now`, and the figures the
// dashboard must show once all of it is projected, counted from the history itself.
import { generateHistory, type SimulatedEvent } from '@allo-pipeline/allo-simulator';

const OPTIONS = { seed: 9, calls: 12, smsConversations: 8, contacts: 6, spanMs: 300_000 } as const;
/** Every event must fall inside the dashboard's "last 60 minutes" chart for the whole test. */
const MAX_HISTORY_MS = 45 * 60_000;
/** The newest event is this long before `now`, so none is in the future when the API counts. */
const MARGIN_MS = 20_000;

export interface SimulatedTraffic {
  readonly events: readonly SimulatedEvent[];
  /** data-testid → text the dashboard shows when converged. */
  readonly figures: Readonly<Record<string, string>>;
  /** Distinct call results (each with a total-calls-<result> figure). */
  readonly results: readonly string[];
  readonly calls: number;
  readonly messages: number;
}

/**
 * The history, shifted so its newest event is MARGIN_MS before `now` (the simulator's offsets do
 * not depend on startAt), and its expected figures. Throws when the seed's history spans more than
 * MAX_HISTORY_MS, which would push events out of the hour chart.
 */
export function simulatedTraffic(now: number): SimulatedTraffic {
  const probe = generateHistory({ ...OPTIONS, startAt: new Date(0) });
  const times = probe.map(eventTime);
  const [first, last] = [Math.min(...times), Math.max(...times)];
  if (last - first > MAX_HISTORY_MS)
    throw new Error(`seed ${OPTIONS.seed}: history spans ${last - first} ms`);
  const events = generateHistory({ ...OPTIONS, startAt: new Date(now - last - MARGIN_MS) });
  if (Math.max(...events.map(eventTime)) >= now) throw new Error('simulated events lie in the future');
  return { events, ...expectedFigures(events) };
}

function expectedFigures(events: readonly SimulatedEvent[]): Omit<SimulatedTraffic, 'events'> {
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
