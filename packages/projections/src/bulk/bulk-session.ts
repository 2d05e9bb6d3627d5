import type { ProjectionEvent } from '../projection-event.js';
import type { CopyColumn } from './copy-text.js';

/** A COPY FROM STDIN into one table, open until `end`. */
export interface CopySink {
  /** Queues one row (values in the order of the columns given); waits when the stream is full. */
  write(values: readonly unknown[]): Promise<void>;
  /** Flushes and finishes the COPY; rejects when Postgres refused it. */
  end(): Promise<void>;
}

/**
 * What a projection's bulk load may do in its generation's schema. The runtime provides it
 * (pg + pg-copy-streams); the tables come without indexes or primary keys, which `restoreIndexes`
 * builds back from the generation's own definition.
 */
export interface BulkSession {
  /** The generation's schema, quoted for statements: `"read_model_calls_g2"`. */
  readonly schema: string;
  /** Runs one statement on a connection of the session. */
  run(statement: string): Promise<void>;
  /** Opens a COPY into `table` of the generation for `columns`. */
  copyInto(table: string, columns: readonly CopyColumn[]): CopySink;
  /** Reads the rows of `query` in its order, `chunkSize` at a time (a cursor: memory stays bounded). */
  eachChunk<Row>(query: string, chunkSize: number, onChunk: (rows: Row[]) => Promise<void>): Promise<void>;
  /** Builds the indexes and primary keys of `table` that were dropped for the load (all, or those `only` selects). */
  restoreIndexes(table: string, only?: (definition: string) => boolean): Promise<void>;
}

/**
 * One bulk load of a projection into an empty generation: `add` every applicable event in log
 * order (partitions interleaved as read), then `finish`. The result must equal applyBatch of the
 * same events in any batching: a duplicate webhook id is applied once (its first delivery), and
 * every row is folded by the projection's own fold functions.
 */
export interface BulkLoad {
  /** Takes one event; throws (before writing anything) for an event applyBatch would refuse. */
  add(event: ProjectionEvent): Promise<void>;
  /** Ends the load: dedup, correlation, folding, indexes. */
  finish(): Promise<void>;
}
