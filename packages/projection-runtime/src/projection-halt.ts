import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';
import { errorSummary } from './error-summary.js';
import type { GenerationSnapshot } from './position-protocol.js';
import { checkContinuity, type Discontinuity, type LogState, type StoredOffset } from './position-rules.js';
import {
  clearFault,
  readActiveFaults,
  recordDiscontinuity,
  type ProjectionFault,
} from './projection-faults.js';

/** What the halt needs of its runner: its identity, and how to stop and restart fetching. */
export interface HaltDeps {
  readonly db: Kysely<ReadModelDatabase>;
  readonly projection: ProjectionName;
  readonly log: Logger;
  /** Sets the projector's halted gauge (1 while halted). */
  readonly gauge: (value: 0 | 1) => void;
  /** Stops fetching; may throw before the consumer joined its group (the runner pauses again then). */
  readonly pause: () => void;
  readonly resume: () => void;
}

/**
 * Whether a runner's projection is stopped on a log it cannot continue (position-protocol.ts,
 * invariant 2), and the fault that says why. While halted nothing is applied and fetching is
 * paused; the fault is recorded in read_model.projection_faults so that every instance, the CLI
 * and the query API report the same condition.
 */
export class ProjectionHalt {
  private current: ProjectionFault | undefined;

  constructor(private readonly deps: HaltDeps) {}

  get fault(): ProjectionFault | undefined {
    return this.current;
  }

  /** Stops on what this runner found, and records why (logged once per halt). */
  async stopOn(snapshot: GenerationSnapshot, discontinuities: readonly Discontinuity[]): Promise<void> {
    const target = { projection: this.deps.projection, snapshot };
    const fault = await recordDiscontinuity(this.deps.db, target, discontinuities);
    if (!this.current) this.deps.log.error({ discontinuities, fix: fault.fix }, fault.message);
    this.stopOnRecorded(fault);
  }

  /** Stops on a fault already recorded (by this or another instance). */
  stopOnRecorded(fault: ProjectionFault): void {
    this.current = fault;
    this.deps.gauge(1);
    this.pause();
  }

  /** Fetching stopped while halted; a no-op before the consumer can be paused. */
  pause(): void {
    if (!this.current) return;
    try {
      this.deps.pause();
    } catch (error) {
      this.deps.log.debug({ err: errorSummary(error) }, 'pause deferred until the consumer joins its group');
    }
  }

  /** Lifts the halt and fetches again. */
  release(): void {
    if (!this.current) return;
    this.deps.log.info({ stoppedSince: this.current.since }, 'log can be continued again; resuming');
    this.current = undefined;
    this.deps.gauge(0);
    try {
      this.deps.resume();
    } catch (error) {
      this.deps.log.debug(
        { err: errorSummary(error) },
        'nothing to resume before the consumer joins its group',
      );
    }
  }

  /**
   * The periodic check: stops on a discontinuity over all partitions, or on a fault another
   * instance recorded; a watermark or cluster fault that no longer holds is cleared. Resolves
   * 'continued' when this runner was halted and may resume (the caller re-positions first).
   */
  async recheck(
    snapshot: GenerationSnapshot,
    stored: ReadonlyMap<number, StoredOffset>,
    log: LogState,
    partial: boolean,
  ): Promise<'halted' | 'running' | 'continued'> {
    const { db, projection } = this.deps;
    const found = checkContinuity(stored, log, { partial });
    if (found.length > 0) {
      await this.stopOn(snapshot, found);
      return 'halted';
    }
    const faults =
      snapshot.epoch === null ? [] : await readActiveFaults(db, projection, snapshot.version, snapshot.epoch);
    const fault = faults.find((f) => f.kind === 'log-discontinuity');
    // A replaced record is seen only while consuming; only a new epoch (reset, rebuild) clears it.
    if (fault?.kind === 'log-discontinuity' && fault.detail.some((d) => d.kind === 'record-replaced')) {
      this.stopOnRecorded(fault);
      return 'halted';
    }
    if (fault) await clearFault(db, { projection, version: snapshot.version }, 'log-discontinuity');
    return this.current ? 'continued' : 'running';
  }
}
