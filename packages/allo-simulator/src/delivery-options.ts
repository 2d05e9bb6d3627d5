import { setTimeout as delay } from 'node:timers/promises';
import type { WebhookSecret } from '@allo-pipeline/webhook-signature';
import type { Clock, Sleep } from './flow-control.js';
import type { SimulatedEvent } from './generate-history.js';
import { ALLO_ATTEMPT_TIMEOUT_MS } from './retry-schedule.js';

/** Details passed to `onAck` with an event's first acknowledgement. */
export interface AckInfo {
  /** 1-based attempt that was acknowledged. */
  readonly attempt: number;
  readonly status: number;
}

export interface DeliveryOptions {
  /** The receiver, e.g. http://127.0.0.1:8080/webhooks/allo (http or https). */
  readonly url: string;
  readonly secret: WebhookSecret;
  /** Max HTTP requests in flight (retries waiting out their delay do not count). Default 16. */
  readonly concurrency?: number;
  /** Max new deliveries started per second (retries are not paced). Default unlimited. */
  readonly ratePerSecond?: number;
  /** Per-attempt deadline for a response status. Default 20000 (Allo's); not scaled. */
  readonly timeoutMs?: number;
  /** Multiplies the retry delays: 0.001 turns 5 min into 300 ms. Default 1 (real Allo timing). */
  readonly timeScale?: number;
  /** Probability in [0, 1] that an acknowledged event is delivered again. Default 0. */
  readonly duplicateRate?: number;
  /** Sliding-window size for shuffling the send order; <= 1 keeps the order. Default 1. */
  readonly reorderWindow?: number;
  /** Seeds the reorder and duplicate choices. Default 0. */
  readonly seed?: number;
  readonly now?: Clock;
  readonly sleep?: Sleep;
  /** Called once per event at its first acknowledgement; an exception aborts the run. */
  readonly onAck?: (event: SimulatedEvent, info: AckInfo) => void;
  /**
   * When each event is due (ms since the epoch): its first delivery waits until then, so a
   * history dated in the near future is delivered in real time. Default: no wait.
   */
  readonly dueAt?: (event: SimulatedEvent) => number;
}

/** The options with defaults applied and values checked. */
export interface DeliveryConfig {
  readonly url: URL;
  readonly secret: WebhookSecret;
  readonly concurrency: number;
  readonly ratePerSecond: number | undefined;
  readonly timeoutMs: number;
  readonly timeScale: number;
  readonly duplicateRate: number;
  readonly reorderWindow: number;
  readonly seed: number;
  readonly now: Clock;
  readonly sleep: Sleep;
  readonly onAck: (event: SimulatedEvent, info: AckInfo) => void;
  readonly dueAt: ((event: SimulatedEvent) => number) | undefined;
}

/** An invalid delivery option (a caller bug); `option` names it. */
export class DeliveryOptionsError extends Error {
  override readonly name = 'DeliveryOptionsError';
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`${option}: ${problem}`);
  }
}

const realSleep: Sleep = (ms) => (ms > 0 ? delay(ms) : Promise.resolve());

/** Applies defaults and validates; throws DeliveryOptionsError naming the first bad option. */
export function resolveDeliveryOptions(options: DeliveryOptions): DeliveryConfig {
  const config: DeliveryConfig = {
    url: parseUrl(options.url),
    secret: options.secret,
    concurrency: options.concurrency ?? 16,
    ratePerSecond: options.ratePerSecond,
    timeoutMs: options.timeoutMs ?? ALLO_ATTEMPT_TIMEOUT_MS,
    timeScale: options.timeScale ?? 1,
    duplicateRate: options.duplicateRate ?? 0,
    reorderWindow: options.reorderWindow ?? 1,
    seed: options.seed ?? 0,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    onAck: options.onAck ?? (() => undefined),
    dueAt: options.dueAt,
  };
  check(
    'concurrency',
    Number.isSafeInteger(config.concurrency) && config.concurrency >= 1,
    'an integer >= 1',
  );
  const rate = config.ratePerSecond;
  check('ratePerSecond', rate === undefined || (Number.isFinite(rate) && rate > 0), 'a number > 0');
  check('timeoutMs', Number.isFinite(config.timeoutMs) && config.timeoutMs > 0, 'a number > 0');
  check('timeScale', Number.isFinite(config.timeScale) && config.timeScale >= 0, 'a number >= 0');
  const duplicates = config.duplicateRate;
  check('duplicateRate', duplicates >= 0 && duplicates <= 1, 'a number between 0 and 1');
  check(
    'reorderWindow',
    Number.isSafeInteger(config.reorderWindow) && config.reorderWindow >= 0,
    'an integer >= 0',
  );
  check('seed', Number.isSafeInteger(config.seed), 'an integer');
  return config;
}

function check(option: string, valid: boolean, expected: string): void {
  if (!valid) throw new DeliveryOptionsError(option, `must be ${expected}`);
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DeliveryOptionsError('url', `not a valid URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeliveryOptionsError('url', `must be http or https, got ${url.protocol}`);
  }
  return url;
}
