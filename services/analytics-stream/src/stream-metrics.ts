import { Counter, Gauge, type Registry } from 'prom-client';

export interface StreamMetrics {
  /** Raw records read past the committed offset (each once per successful transaction). */
  readonly recordsIn: Counter;
  /** Raw records re-read below the committed offset to rebuild a partition's state. */
  readonly restored: Counter;
  readonly recordsOut: Counter<'topic'>;
  readonly skipped: Counter<'reason'>;
  readonly transactions: Counter<'outcome'>;
  readonly lag: Gauge<'partition'>;
}

/** The analytics stream's metrics on `registry` (one set per registry). */
export function createStreamMetrics(registry: Registry): StreamMetrics {
  const registers = [registry];
  return {
    recordsIn: new Counter({
      name: 'allo_analytics_records_in_total',
      help: 'Raw records consumed and committed (each raw record counts once)',
      registers,
    }),
    restored: new Counter({
      name: 'allo_analytics_records_restored_total',
      help: 'Raw records replayed below the committed offset to rebuild partition state (no output)',
      registers,
    }),
    recordsOut: new Counter({
      name: 'allo_analytics_records_out_total',
      help: 'Typed records committed, by typed topic',
      labelNames: ['topic'],
      registers,
    }),
    skipped: new Counter({
      name: 'allo_analytics_records_skipped_total',
      help: 'Raw records that yield no typed record: duplicate, unparseable, undecodable, not-typed, no-entity-id',
      labelNames: ['reason'],
      registers,
    }),
    transactions: new Counter({
      name: 'allo_analytics_transactions_total',
      help: 'Kafka transactions by outcome (committed, aborted)',
      labelNames: ['outcome'],
      registers,
    }),
    lag: new Gauge({
      name: 'allo_analytics_lag_messages',
      help: 'Raw records behind the end of each assigned raw partition',
      labelNames: ['partition'],
      registers,
    }),
  };
}
