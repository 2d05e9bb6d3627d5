import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { ApiError } from './api-error.js';
import { mountApiRoutes } from './api-routes.js';
import { createTokenVerifier, requireBearer } from './bearer-auth.js';
import { mountDashboard } from './dashboard-assets.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import type { ProjectionStatusReader } from './projections-report.js';
import { createQueryApiMetrics, measureRequests, type QueryApiMetrics } from './query-api-metrics.js';

export interface QueryApiDeps {
  readonly db: Kysely<ReadModelDatabase>;
  /** Accepted bearer tokens for /v1 (several during a rotation). */
  readonly tokens: readonly string[];
  readonly logger: Logger;
  readonly now: () => number;
  /** Null when Kafka is not configured: /v1/projections then answers with lag null. */
  readonly readProjectionStatus: ProjectionStatusReader | null;
  readonly rawTopic: string;
  readonly metrics?: QueryApiMetrics;
}

const READY_TIMEOUT_MS = 2000;

/**
 * The query API's Koa app: /v1 resources behind bearer auth; /healthz, /readyz, /metrics,
 * /v1/openapi.json and the dashboard assets open. Client errors are JSON 4xx; anything else is a
 * bare 500 whose details go to the log through the one `error` listener.
 */
export function createQueryApi(deps: QueryApiDeps): Koa {
  const metrics = deps.metrics ?? createQueryApiMetrics();
  const open = new Router();
  open.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  open.get('/readyz', async (ctx) => {
    const database = await isReachable(deps.db);
    ctx.status = database ? 200 : 503;
    ctx.body = { status: database ? 'ready' : 'not-ready', database };
  });
  open.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  open.get('/v1/openapi.json', (ctx) => {
    ctx.body = OPENAPI_DOCUMENT;
  });
  mountDashboard(open);
  const api = new Router({ prefix: '/v1' });
  mountApiRoutes(api, requireBearer(createTokenVerifier(deps.tokens)), deps);

  const app = new Koa();
  app.use(measureRequests(metrics, deps.now));
  app.use(renderClientErrors);
  app.use(open.routes());
  app.use(open.allowedMethods());
  app.use(api.routes());
  app.use(api.allowedMethods());
  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'unexpected query API error'));
  return app;
}

/** ApiErrors become their JSON body; 404/405 without a body get one; other errors go on to koa. */
const renderClientErrors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    ctx.status = error.status;
    ctx.body = error.toBody();
    return;
  }
  if (ctx.body != null) return;
  if (ctx.status === 404) {
    ctx.status = 404;
    ctx.body = { error: { code: 'not_found', message: `no route ${ctx.method} ${ctx.path}` } };
  } else if (ctx.status === 405) {
    ctx.body = { error: { code: 'method_not_allowed', message: `${ctx.method} is not supported here` } };
  }
};

async function isReachable(db: Kysely<ReadModelDatabase>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>(
    (resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)),
  );
  const check = sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
