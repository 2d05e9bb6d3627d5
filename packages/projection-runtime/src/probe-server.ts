import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** Whether the service can do its work; when not, why and what to do (shown in the /readyz body). */
export type Readiness = { ready: true } | { ready: false; reason: string; fix?: string; since?: Date };

export interface ProbeDeps {
  readonly registry: Registry;
  /** Whether the service can do its work (consumer running, log continuable, database reachable). */
  readonly readiness: () => Promise<Readiness>;
  readonly logger: Logger;
}

/**
 * The projector's HTTP surface: `GET /healthz` (the process answers), `GET /readyz` (200 when
 * ready, else 503 with the reason and the fix) and `GET /metrics` (Prometheus text). Anything else
 * is a 404 JSON error.
 */
export function createProbeApp(deps: ProbeDeps): Koa {
  const app = new Koa();
  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'probe request failed'));
  app.use(async (ctx) => {
    if (ctx.method !== 'GET') {
      ctx.status = 405;
      ctx.body = { error: { code: 'method-not-allowed', message: `${ctx.method} is not supported` } };
    } else if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
    } else if (ctx.path === '/readyz') {
      const readiness = await deps.readiness().catch((error: unknown): Readiness => ({
        ready: false,
        reason: `readiness check failed: ${String(error)}`,
      }));
      ctx.status = readiness.ready ? 200 : 503;
      ctx.body = readiness.ready
        ? { status: 'ready' }
        : {
            status: 'not-ready',
            reason: readiness.reason,
            ...(readiness.fix === undefined ? {} : { fix: readiness.fix }),
            ...(readiness.since === undefined ? {} : { since: readiness.since.toISOString() }),
          };
    } else if (ctx.path === '/metrics') {
      ctx.type = deps.registry.contentType;
      ctx.body = await deps.registry.metrics();
    } else {
      ctx.status = 404;
      ctx.body = { error: { code: 'not-found', message: `no route ${ctx.path}` } };
    }
  });
  return app;
}

export interface ProbeServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on `port` (0 = any free port). */
export async function startProbeServer(app: Koa, port: number, host: string): Promise<ProbeServer> {
  const handler = app.callback();
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
