import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ProjectorMetrics {
  readonly eventsApplied: Counter<'projection' | 'topic'>;
  readonly deadLetters: Counter<'projection'>;
  readonly batchSize: Histogram<'projection'>;
  readonly batchDuration: Histogram<'projection'>;
  readonly batchRetries: Counter<'projection'>;
  readonly reseeks: Counter<'projection' | 'reason'>;
  readonly lagMessages: Gauge<'projection' | 'partition'>;
  readonly lagSeconds: Gauge<'projection' | 'partition'>;
  readonly halted: Gauge<'projection'>;
}

/**
 * The projector metrics on `registry`. Idempotent per registry: a second runner on the same
 * registry shares the metrics (every series carries a `projection` label).
 */
export function createProjectorMetrics(registry: Registry): ProjectorMetrics {
  const registers = [registry];
  const reuse = <M>(name: string, create: () => M): M =>
    (registry.getSingleMetric(name) as M | undefined) ?? create();
  return {
    eventsApplied: reuse(
      'allo_projector_events_applied_total',
      () =>
        new Counter({
          name: 'allo_projector_events_applied_total',
          help: 'Events applied to the read model, by envelope topic',
          labelNames: ['projection', 'topic'],
          registers,
        }),
    ),
    deadLetters: reuse(
      'allo_projector_dead_letters_total',
      () =>
        new Counter({
          name: 'allo_projector_dead_letters_total',
          help: 'Raw records written to read_model.dead_letters',
          labelNames: ['projection'],
          registers,
        }),
    ),
    batchSize: reuse(
      'allo_projector_batch_size',
      () =>
        new Histogram({
          name: 'allo_projector_batch_size',
          help: 'Kafka messages per committed batch',
          labelNames: ['projection'],
          buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
          registers,
        }),
    ),
    batchDuration: reuse(
      'allo_projector_batch_duration_seconds',
      () =>
        new Histogram({
          name: 'allo_projector_batch_duration_seconds',
          help: 'Time to decode, apply and commit one batch (retries included)',
          labelNames: ['projection'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    ),
    batchRetries: reuse(
      'allo_projector_batch_retries_total',
      () =>
        new Counter({
          name: 'allo_projector_batch_retries_total',
          help: 'Batch attempts that failed and were retried',
          labelNames: ['projection'],
          registers,
        }),
    ),
    reseeks: reuse(
      'allo_projector_reseeks_total',
      () =>
        new Counter({
          name: 'allo_projector_reseeks_total',
          help: 'Times the consumer re-positioned on stored offsets',
          labelNames: ['projection', 'reason'],
          registers,
        }),
    ),
    lagMessages: reuse(
      'allo_projector_lag_messages',
      () =>
        new Gauge({
          name: 'allo_projector_lag_messages',
          help: 'High watermark minus stored next offset, per assigned partition',
          labelNames: ['projection', 'partition'],
          registers,
        }),
    ),
    lagSeconds: reuse(
      'allo_projector_lag_seconds',
      () =>
        new Gauge({
          name: 'allo_projector_lag_seconds',
          help: 'Now minus the event time of the last applied event (0 when caught up)',
          labelNames: ['projection', 'partition'],
          registers,
        }),
    ),
    halted: reuse(
      'allo_projector_halted',
      () =>
        new Gauge({
          name: 'allo_projector_halted',
          help: '1 while the projection consumes nothing because its stored position cannot be continued on the log',
          labelNames: ['projection'],
          registers,
        }),
    ),
  };
}
