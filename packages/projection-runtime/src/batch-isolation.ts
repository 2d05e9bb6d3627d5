import type { FailureKind } from './batch-failure.js';
import type { AdvanceOutcome } from './position-protocol.js';

/*
 * Applying one fetched batch so that one bad record never stops the rest. Invariants:
 * - Records are applied in offset order, each range in one transaction that also advances the
 *   position (so a partial success is a committed prefix, never a gap).
 * - A transient failure retries the same range, with backoff, for as long as the runner runs.
 * - A deterministic failure (or an unknown one that kept failing maxUnknownAttempts times)
 *   splits the range in halves, applied left then right; a single record that still fails
 *   that way is dead-lettered with its error (that transaction advances past it). So a record
 *   is dead-lettered only for its own failure, and at most maxUnknownAttempts + log2(batch)
 *   attempts stand between a partition and its next record.
 * - Writing a dead letter is retried until it succeeds: nothing is skipped without a trace.
 */

export type IsolationOutcome = AdvanceOutcome | { kind: 'stopped' };

export interface FailedAttempt<M> {
  readonly range: readonly M[];
  readonly error: unknown;
  readonly kind: FailureKind;
  /** Attempts on this range so far, this one included. */
  readonly attempt: number;
  readonly deadLettering: boolean;
}

export interface IsolationDeps<M> {
  /** Applies a contiguous range of the batch in one transaction; throws when it fails. */
  apply(range: readonly M[]): Promise<AdvanceOutcome>;
  /** Commits `message` as a dead letter with `error`, advancing past it; throws when it fails. */
  deadLetter(message: M, error: unknown): Promise<AdvanceOutcome>;
  classify(error: unknown): FailureKind;
  /** False once the runner stops or loses the partition: give up without applying more. */
  isRunning(): boolean;
  /** Waits before the next attempt (backoff, heartbeats); false means stop (e.g. a rebalance). */
  pause(attempt: number): Promise<boolean>;
  onFailure(failure: FailedAttempt<M>): void;
  /** Called after an attempt succeeds (clears a "stuck" report). */
  onSuccess(): void;
  readonly maxUnknownAttempts: number;
}

type RangeOutcome = IsolationOutcome | { kind: 'failed'; error: unknown };

/** Applies `messages` (one partition, in offset order) per the invariants above. */
export async function applyIsolating<M>(
  messages: readonly M[],
  deps: IsolationDeps<M>,
): Promise<IsolationOutcome> {
  const queue: Array<readonly M[]> = [messages];
  while (queue.length > 0) {
    const range = queue.shift()!;
    const outcome = await attempt(range, false, () => deps.apply(range), deps);
    if (outcome.kind === 'failed') {
      if (range.length > 1) {
        const middle = Math.ceil(range.length / 2);
        queue.unshift(range.slice(0, middle), range.slice(middle));
        continue;
      }
      const message = range[0]!;
      const recorded = await attempt(range, true, () => deps.deadLetter(message, outcome.error), deps);
      if (recorded.kind !== 'committed') return recorded as IsolationOutcome;
      continue;
    }
    if (outcome.kind !== 'committed') return outcome;
  }
  return { kind: 'committed' };
}

async function attempt<M>(
  range: readonly M[],
  deadLettering: boolean,
  run: () => Promise<AdvanceOutcome>,
  deps: IsolationDeps<M>,
): Promise<RangeOutcome> {
  for (let attempts = 1; ; attempts += 1) {
    if (!deps.isRunning()) return { kind: 'stopped' };
    try {
      const outcome = await run();
      deps.onSuccess();
      return outcome;
    } catch (error) {
      const kind = deps.classify(error);
      deps.onFailure({ range, error, kind, attempt: attempts, deadLettering });
      const giveUp = kind === 'deterministic' || (kind === 'unknown' && attempts >= deps.maxUnknownAttempts);
      if (giveUp && !deadLettering) return { kind: 'failed', error };
      if (!(await deps.pause(attempts))) return { kind: 'stopped' };
    }
  }
}
