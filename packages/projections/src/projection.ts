import type { Kysely } from 'kysely';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';
import type { AlloEvent } from '@allo-pipeline/allo-events';
import type { BulkLoad, BulkSession } from './bulk/bulk-session.js';
import type { ProjectionEvent } from './projection-event.js';

/** The verdict on one event: apply it, skip it (not this projection's), or dead-letter it. */
export type EventVerdict = { kind: 'apply' } | { kind: 'skip' } | { kind: 'reject'; error: string };

/**
 * A versioned projection definition. `applyBatch` runs inside the caller's transaction, against
 * one generation's schema, and must be idempotent per webhook id and independent of order.
 */
export interface Projection {
  readonly name: ProjectionName;
  /** Version of the projection code; bump it when the fold changes, then rebuild. */
  readonly codeVersion: number;
  /** Envelope topics this projection reads (others are skipped without a look). */
  readonly topics: readonly string[];
  classify(event: AlloEvent): EventVerdict;
  applyBatch(
    db: Kysely<ReadModelDatabase>,
    schema: string,
    events: readonly ProjectionEvent[],
  ): Promise<void>;
  /**
   * A bulk load into an empty generation that nobody reads (a rebuild): the same rows as
   * applyBatch of the same events in any batching, written by COPY and folded once.
   */
  bulkLoad(session: BulkSession): BulkLoad;
}
