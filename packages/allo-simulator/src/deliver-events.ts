import { signWebhook } from '@allo-pipeline/webhook-signature';
import { pickDuplicates, reorderWithinWindow } from './delivery-plan.js';
import { resolveDeliveryOptions, type DeliveryConfig, type DeliveryOptions } from './delivery-options.js';
import { createEmptyReport, type DeliveryReport } from './delivery-report.js';
import { createPacer, createSignal, createSlots, type Signal, type Slots } from './flow-control.js';
import type { SimulatedEvent } from './generate-history.js';
import { createHttpSender, type AttemptOutcome, type HttpSender } from './http-sender.js';
import { createRandom } from './random.js';
import { ALLO_MAX_ATTEMPTS, retryDelayMs } from './retry-schedule.js';

interface Delivery {
  readonly event: SimulatedEvent;
  readonly duplicate: boolean;
}

/** Shared state of one run. */
interface Run {
  readonly config: DeliveryConfig;
  readonly report: DeliveryReport;
  readonly slots: Slots;
  readonly sender: HttpSender;
  readonly duplicates: Set<string>;
  /** Duplicates due to be dispatched ahead of the remaining queue. */
  readonly urgent: Delivery[];
  readonly wake: Signal;
}

/**
 * Delivers `events` to `options.url` the way Allo does: signed per attempt (webhook-id fixed,
 * webhook-timestamp = send time), POSTed as application/json, acknowledged only by a 2xx within
 * the timeout, otherwise retried on Allo's schedule (scaled by `timeScale`) until 8 attempts have
 * failed. Optional reordering, duplicates, pacing and a concurrency bound shape the traffic.
 * Resolves with the counts once every delivery is acknowledged or failed; rejects with
 * DeliveryOptionsError on bad options, or with whatever `onAck` threw.
 */
export async function deliverEvents(
  events: readonly SimulatedEvent[],
  options: DeliveryOptions,
): Promise<DeliveryReport> {
  const config = resolveDeliveryOptions(options);
  const random = createRandom(config.seed);
  const queue = reorderWithinWindow(events, config.reorderWindow, random);
  const run: Run = {
    config,
    report: createEmptyReport(events.length),
    slots: createSlots(config.concurrency),
    sender: createHttpSender(config.url, { maxSockets: config.concurrency, timeoutMs: config.timeoutMs }),
    duplicates: pickDuplicates(
      events.map((event) => event.id),
      config.duplicateRate,
      random,
    ),
    urgent: [],
    wake: createSignal(),
  };
  const startedAt = config.now();
  try {
    await dispatchAll(queue, run);
  } finally {
    run.sender.close();
  }
  const elapsedMs = config.now() - startedAt;
  const delivered = run.report.acknowledged + run.report.duplicatesAcknowledged;
  return {
    ...run.report,
    elapsedMs,
    deliveriesPerSecond: elapsedMs > 0 ? (delivered * 1000) / elapsedMs : 0,
  };
}

/** Starts deliveries in queue order (duplicates first), paced and bounded, until all have settled. */
async function dispatchAll(queue: readonly SimulatedEvent[], run: Run): Promise<void> {
  const pace = createPacer(run.config.ratePerSecond, run.config.now, run.config.sleep);
  const pending = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let next = 0;
  while (failure === undefined) {
    let delivery = run.urgent.shift();
    if (!delivery && next < queue.length) delivery = { event: queue[next++]!, duplicate: false };
    if (!delivery) {
      if (pending.size === 0) break;
      await run.wake.wait();
      continue;
    }
    if (!delivery.duplicate && run.config.dueAt) {
      await run.config.sleep(run.config.dueAt(delivery.event) - run.config.now());
    }
    await pace();
    await run.slots.acquire();
    const settled: Promise<void> = deliver(delivery, run)
      .catch((error: unknown) => void (failure ??= { error }))
      .finally(() => {
        pending.delete(settled);
        run.wake.notify();
      });
    pending.add(settled);
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure.error;
}

/** One delivery, entered holding a slot: up to ALLO_MAX_ATTEMPTS attempts, a slot for each. */
async function deliver(delivery: Delivery, run: Run): Promise<void> {
  const { report, config } = run;
  if (delivery.duplicate) report.duplicatesSent++;
  else report.sent++;
  const body = Buffer.from(delivery.event.body, 'utf8');
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(delivery.event.id, body, run);
    report.attempts++;
    if (outcome.ok) return acknowledge(delivery, { attempt, status: outcome.status }, run);
    report.attemptFailures[outcome.reason]++;
    const wait = retryDelayMs(attempt, config.timeScale);
    if (wait === undefined || attempt >= ALLO_MAX_ATTEMPTS) return giveUp(delivery, run);
    await config.sleep(wait);
    await run.slots.acquire();
    report.retried++;
  }
}

/** Signs with the current time (a fresh signature per attempt) and sends; releases the held slot. */
async function attemptOnce(id: string, body: Buffer, run: Run): Promise<AttemptOutcome> {
  try {
    const timestamp = Math.floor(run.config.now() / 1000);
    const signature = signWebhook({ id, timestamp, body, secret: run.config.secret });
    return await run.sender.send({ id, timestamp, signature, body });
  } finally {
    run.slots.release();
  }
}

function acknowledge(delivery: Delivery, info: { attempt: number; status: number }, run: Run): void {
  if (delivery.duplicate) {
    run.report.duplicatesAcknowledged++;
    return;
  }
  run.report.acknowledged++;
  run.config.onAck(delivery.event, info);
  if (run.duplicates.has(delivery.event.id)) {
    run.urgent.push({ event: delivery.event, duplicate: true });
    run.wake.notify();
  }
}

function giveUp(delivery: Delivery, run: Run): void {
  if (delivery.duplicate) return; // the event itself was acknowledged already
  run.report.failed++;
  run.report.failedIds.push(delivery.event.id);
}
