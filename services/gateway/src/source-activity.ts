/** What one webhook request of a configured source came to. */
export type SourceRequestOutcome =
  | { kind: 'accepted'; secretFingerprint: string }
  | { kind: 'refused'; status: number; verificationFailed: boolean };

/** One source as `allo status` shows it: counts are over the last hour (or since start-up). */
export interface SourceActivitySnapshot {
  readonly lastAcceptedAt: number | null;
  /** When each secret (by fingerprint) last verified an accepted event. */
  readonly lastVerifiedBySecret: Readonly<Record<string, number>>;
  readonly lastHour: {
    readonly accepted: number;
    /** Missing, stale or wrong signatures (400/401 from verification). */
    readonly signatureFailures: number;
    readonly clientErrors: number;
    readonly serverErrors: number;
  };
}

interface Bucket {
  minute: number;
  accepted: number;
  signatureFailures: number;
  clientErrors: number;
  serverErrors: number;
}

interface SourceState {
  lastAcceptedAt: number | null;
  readonly lastVerifiedBySecret: Map<string, number>;
  /** By minute modulo the window: a slot is reused once its minute has left the window. */
  readonly buckets: Map<number, Bucket>;
}

const WINDOW_MINUTES = 60;
// A source keeps the fingerprints of its recent secrets; rotations add one at a time.
const MAX_FINGERPRINTS = 16;

/**
 * Per-source counters in one-minute buckets over a sliding hour, kept in memory (they restart
 * with the gateway). The caller records only configured sources, so memory is bounded by the
 * sources file, not by what clients send.
 */
export class SourceActivity {
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly now: () => number) {}

  record(source: string, outcome: SourceRequestOutcome): void {
    const at = this.now();
    const state = this.stateOf(source);
    const bucket = bucketAt(state, Math.floor(at / 60_000));
    if (outcome.kind === 'accepted') {
      bucket.accepted += 1;
      state.lastAcceptedAt = at;
      state.lastVerifiedBySecret.delete(outcome.secretFingerprint);
      state.lastVerifiedBySecret.set(outcome.secretFingerprint, at);
      if (state.lastVerifiedBySecret.size > MAX_FINGERPRINTS) {
        const oldest = state.lastVerifiedBySecret.keys().next().value;
        if (oldest !== undefined) state.lastVerifiedBySecret.delete(oldest);
      }
      return;
    }
    if (outcome.verificationFailed) bucket.signatureFailures += 1;
    if (outcome.status >= 500) bucket.serverErrors += 1;
    else if (outcome.status >= 400) bucket.clientErrors += 1;
  }

  snapshot(source: string): SourceActivitySnapshot {
    const state = this.sources.get(source);
    const since = Math.floor(this.now() / 60_000) - WINDOW_MINUTES;
    const lastHour = { accepted: 0, signatureFailures: 0, clientErrors: 0, serverErrors: 0 };
    for (const bucket of state?.buckets.values() ?? []) {
      if (bucket.minute <= since) continue;
      lastHour.accepted += bucket.accepted;
      lastHour.signatureFailures += bucket.signatureFailures;
      lastHour.clientErrors += bucket.clientErrors;
      lastHour.serverErrors += bucket.serverErrors;
    }
    return {
      lastAcceptedAt: state?.lastAcceptedAt ?? null,
      lastVerifiedBySecret: Object.fromEntries(state?.lastVerifiedBySecret ?? []),
      lastHour,
    };
  }

  private stateOf(source: string): SourceState {
    let state = this.sources.get(source);
    if (!state) {
      state = { lastAcceptedAt: null, lastVerifiedBySecret: new Map(), buckets: new Map() };
      this.sources.set(source, state);
    }
    return state;
  }
}

function bucketAt(state: SourceState, minute: number): Bucket {
  const slot = minute % WINDOW_MINUTES;
  let bucket = state.buckets.get(slot);
  if (!bucket || bucket.minute !== minute) {
    bucket = { minute, accepted: 0, signatureFailures: 0, clientErrors: 0, serverErrors: 0 };
    state.buckets.set(slot, bucket);
  }
  return bucket;
}
