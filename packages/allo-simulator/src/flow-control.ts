/** A clock in milliseconds since the epoch (Date.now by default). */
export type Clock = () => number;

/** Waits `ms` milliseconds (setTimeout by default); injected so schedules are testable. */
export type Sleep = (ms: number) => Promise<void>;

/** A counting semaphore bounding in-flight HTTP requests; waiters are served first come, first served. */
export interface Slots {
  acquire(): Promise<void>;
  release(): void;
}

/** A level-free wake-up: `wait()` resolves at the next `notify()`. */
export interface Signal {
  wait(): Promise<void>;
  notify(): void;
}

export function createSlots(max: number): Slots {
  let inUse = 0;
  const waiters: (() => void)[] = [];
  return {
    acquire() {
      if (inUse < max) {
        inUse++;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    release() {
      const next = waiters.shift();
      if (next)
        next(); // hand the slot over directly
      else inUse--;
    },
  };
}

export function createSignal(): Signal {
  let wake: (() => void) | undefined;
  return {
    wait: () => new Promise((resolve) => (wake = resolve)),
    notify() {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    },
  };
}

/** How far the pacer may fall behind before it stops catching up (bounds bursts after a stall). */
const MAX_PACER_LAG_MS = 50;

/**
 * Returns a function that resolves when the next dispatch is due so dispatches average at most
 * `ratePerSecond`. Without a rate it never waits. Timer granularity is absorbed by catching up
 * (a few back-to-back dispatches) for at most MAX_PACER_LAG_MS.
 */
export function createPacer(
  ratePerSecond: number | undefined,
  now: Clock,
  sleep: Sleep,
): () => Promise<void> {
  if (ratePerSecond === undefined) return () => Promise.resolve();
  const interval = 1000 / ratePerSecond;
  let dueAt: number | undefined;
  return async () => {
    const current = now();
    dueAt = dueAt === undefined ? current : Math.max(dueAt + interval, current - MAX_PACER_LAG_MS);
    const wait = dueAt - current;
    if (wait >= 1) await sleep(wait);
  };
}
