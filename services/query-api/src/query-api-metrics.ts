import type { Middleware } from 'koa';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Labels = 'route' | 'method' | 'status';

export interface QueryApiMetrics {
  readonly registry: Registry;
  readonly requests: Counter<Labels>;
  readonly duration: Histogram<Labels>;
}

/** Prometheus metrics of the query API, on their own registry (so tests can create many apps). */
export function createQueryApiMetrics(options: { defaultMetrics?: boolean } = {}): QueryApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'allo_query_api_' });
  const labelNames: Labels[] = ['route', 'method', 'status'];
  return {
    registry,
    requests: new Counter({
      name: 'allo_query_api_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'allo_query_api_request_duration_seconds',
      help: 'HTTP request latency by route pattern, method and status',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/**
 * Counts and times every request. Labelled by the matched route pattern (e.g. /v1/calls/:id),
 * never the raw path, so ids do not explode the series; unmatched paths share one label.
 */
export function measureRequests(metrics: QueryApiMetrics, now: () => number): Middleware {
  return async (ctx, next) => {
    const startedAt = now();
    let status: number | undefined;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      status = (error as { status?: number }).status ?? 500;
      throw error;
    } finally {
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const labels = {
        route: typeof matched === 'string' ? matched : 'unmatched',
        method: ctx.method,
        status: String(status ?? 500),
      };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, (now() - startedAt) / 1000);
    }
  };
}
