// When `npm start`'s supervisor restarts a service that exited. Invariants:
// - Exit code 2 (a service's configuration error) is never restarted: the same configuration
//   would fail the same way, so restarting would only loop.
// - Any other exit (a crash, a signal, even code 0 the supervisor did not ask for) is restarted
//   after initialDelayMs, doubling with each consecutive short run, capped at maxDelayMs.
// - A run that lasted stableUptimeMs or longer ends the streak: the next delay is initialDelayMs.

export interface RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A run at least this long counts as stable and resets the backoff. */
  readonly stableUptimeMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableUptimeMs: 60_000,
};

/** The exit code our services use for a configuration error (see @allo-pipeline/service-lifecycle). */
export const CONFIG_ERROR_EXIT_CODE = 2;

export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** How long the process ran. */
  readonly uptimeMs: number;
}

export type RestartDecision =
  | {
      readonly action: 'restart';
      readonly delayMs: number;
      /** Restarts since the last stable run, this one included; pass it back with the next exit. */
      readonly streak: number;
    }
  | { readonly action: 'give-up'; readonly reason: 'configuration error' };

/**
 * What to do after `exit`, given `streak`: the restarts since the last stable run (0 before the
 * first exit), as returned by the previous decision.
 */
export function decideRestart(policy: RestartPolicy, exit: ServiceExit, streak: number): RestartDecision {
  if (exit.code === CONFIG_ERROR_EXIT_CODE) return { action: 'give-up', reason: 'configuration error' };
  const restartsBefore = exit.uptimeMs >= policy.stableUptimeMs ? 0 : streak;
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** restartsBefore);
  return { action: 'restart', delayMs, streak: restartsBefore + 1 };
}
