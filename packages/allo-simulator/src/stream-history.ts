import { setTimeout as delay } from 'node:timers/promises';
import { deliverEvents } from './deliver-events.js';
import type { DeliveryOptions } from './delivery-options.js';
import type { DeliveryReport } from './delivery-report.js';
import type { Clock, Sleep } from './flow-control.js';
import { generateHistory, type SimulatedEvent } from './generate-history.js';

// A continuous stream of simulated traffic (`--stream`, `npm start -- --demo`), in real time.
// Invariants:
// - The stream is a sequence of small histories ("chunks"), each dated from the moment it is
//   generated, and each event is delivered when it happens (deliverEvents' dueAt): a call's
//   call.received when it rings, its call.completed when it ends minutes later. So no event is
//   dated in the future or long past, and call start times, durations and SMS times stay
//   consistent. Chunks overlap. The first chunk is the exception: a history of the recent past
//   that ends now, sent at `ratePerSecond` as the live chunks ramp up, so a dashboard has
//   something to show within the first minute.
// - Chunk k is seeded with seed + k, so webhook-ids never repeat within a stream; pick a fresh
//   seed per stream (the CLI uses the clock), or the read models count a replayed stream as
//   duplicates.
// - A new chunk starts every (its events / ratePerSecond) seconds; retries (Allo's schedule) and
//   events not yet due do not hold up the next one.
// - Once stopped, deliveries under way get up to `drainMs` to settle; events not yet due, and
//   retries waiting out Allo's schedule, are abandoned (counted in chunksInFlight).

/** What one chunk holds; about 20 events. */
const CHUNK = { calls: 4, smsConversations: 3, contacts: 1 } as const;
/** The first chunk: a history that ends now, sent at the stream's rate (about 60 events). */
const WARM_UP = { calls: 12, smsConversations: 8, contacts: 4 } as const;
/** The period over which a chunk's calls and conversations begin (generateHistory's least). */
const CHUNK_SPAN_MS = 60_000;
/** Requests in flight per chunk: its events are spread out in time. */
const CHUNK_CONCURRENCY = 2;

export interface StreamOptions {
  readonly delivery: Omit<DeliveryOptions, 'ratePerSecond' | 'seed' | 'now' | 'sleep' | 'dueAt'>;
  /** New events per second, on average. */
  readonly ratePerSecond: number;
  readonly seed: number;
  /** Stops the stream: no chunk starts after it fires. */
  readonly signal: AbortSignal;
  /** How long deliveries under way may take to settle after the stop; default 2000 ms. */
  readonly drainMs?: number;
  /** Called with the running totals every `progressEveryMs`. */
  readonly onProgress?: (totals: StreamTotals) => void;
  readonly progressEveryMs?: number;
  readonly now?: Clock;
  readonly sleep?: Sleep;
}

/** Running counts: acknowledgements as they happen, the others over the chunks that have settled. */
export interface StreamTotals {
  events: number;
  acknowledged: number;
  failed: number;
  retried: number;
  duplicatesSent: number;
  /** Chunks whose deliveries are still under way (retries included). */
  chunksInFlight: number;
  elapsedMs: number;
}

/** Sends chunks until `signal` aborts; resolves with the totals then. Rejects if a delivery run does. */
export async function streamHistory(options: StreamOptions): Promise<StreamTotals> {
  const now = options.now ?? Date.now;
  // Deliveries wait out their pacing and retries in full; only the wait between chunks is cut
  // short by a stop, so Ctrl-C is answered at once.
  const sleep = options.sleep;
  const untilNextChunk = options.sleep ?? abortableSleep(options.signal);
  const startedAt = now();
  const totals: StreamTotals = { ...emptyTotals(), events: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let lastProgress = startedAt;
  for (let chunk = 0; !options.signal.aborted && failure === undefined; chunk++) {
    // Chunk 0 is the recent past, so there is something to see at once; the rest happen live.
    const warmUp = chunk === 0;
    const events = generateHistory({
      seed: options.seed + chunk,
      ...(warmUp ? WARM_UP : CHUNK),
      ...(warmUp ? { endAt: now() } : { spanMs: CHUNK_SPAN_MS, startAt: new Date(now()) }),
    });
    totals.events += events.length;
    const run = deliverEvents(events, {
      concurrency: CHUNK_CONCURRENCY,
      ...options.delivery,
      ...(warmUp ? { ratePerSecond: options.ratePerSecond } : { dueAt: envelopeTime }),
      onAck: (event, info) => {
        totals.acknowledged++;
        options.delivery.onAck?.(event, info);
      },
      seed: options.seed + chunk,
      now,
      ...(sleep ? { sleep } : {}),
    }).then(
      (report) => addReport(totals, report),
      (error: unknown) => void (failure ??= { error }),
    );
    const tracked: Promise<void> = run.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    // The chunks' average, events / interval, is the rate asked for.
    await untilNextChunk((events.length / options.ratePerSecond) * 1000);
    totals.chunksInFlight = inFlight.size;
    totals.elapsedMs = now() - startedAt;
    if (options.onProgress && now() - lastProgress >= (options.progressEveryMs ?? 10_000)) {
      lastProgress = now();
      options.onProgress({ ...totals });
    }
  }
  await Promise.race([Promise.all(inFlight), delay(options.drainMs ?? 2_000, undefined, { ref: false })]);
  if (failure !== undefined) throw failure.error;
  totals.chunksInFlight = inFlight.size;
  totals.elapsedMs = now() - startedAt;
  return { ...totals };
}

/** When Allo emits the event: its envelope timestamp. */
function envelopeTime(event: SimulatedEvent): number {
  return Date.parse((JSON.parse(event.body) as { timestamp: string }).timestamp);
}

function emptyTotals(): Omit<StreamTotals, 'events'> {
  return { acknowledged: 0, failed: 0, retried: 0, duplicatesSent: 0, chunksInFlight: 0, elapsedMs: 0 };
}

/** Acknowledgements are counted as they happen (onAck); the rest once a chunk has settled. */
function addReport(totals: StreamTotals, report: DeliveryReport): void {
  totals.failed += report.failed;
  totals.retried += report.retried;
  totals.duplicatesSent += report.duplicatesSent;
}

/** A sleep that ends early when the stream is stopped. */
function abortableSleep(signal: AbortSignal): Sleep {
  return (ms) =>
    new Promise((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
}
