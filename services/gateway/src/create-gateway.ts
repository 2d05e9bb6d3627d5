import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import getRawBody from 'raw-body';
import type { Logger } from 'pino';
import type { RawWebhookRecord } from '@allo-pipeline/raw-webhook-record';
import { DEFAULT_SOURCE } from './config.js';
import type { DependencyReport } from './dependency-checks.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { WebhookRequestError } from './http-error.js';
import type { SourceLookup, SourcesFileStatus } from './live-sources.js';
import type { RawEventPublisher } from './raw-event-publisher.js';
import { receiveWebhook } from './receive-webhook.js';
import { secretFingerprint } from './secret-fingerprint.js';
import { SourceActivity, type SourceRequestOutcome } from './source-activity.js';
import { sourcesStatus } from './sources-status.js';

export interface GatewayDeps {
  /** A Map, or LiveSources when the sources file is reloaded on change. */
  sources: SourceLookup;
  /** The sources file behind `sources`, if any (shown by GET /status/sources). */
  sourcesFileStatus?: () => SourcesFileStatus | null;
  publisher: RawEventPublisher;
  encode: (record: RawWebhookRecord) => Promise<Buffer>;
  /** Real requests to Kafka and the registry, short timeout, cached briefly (for /readyz). */
  checkDependencies: () => Promise<DependencyReport>;
  logger: Logger;
  metrics: GatewayMetrics;
  now: () => number;
  bodyLimitBytes: number;
  toleranceSeconds: number;
  ackDeadlineMs: number;
}

/**
 * The gateway's Koa app: webhook routes plus /healthz, /readyz, /metrics and /status/sources
 * (per-source activity for `allo status`). No I/O of its own.
 */
export function createGateway(deps: GatewayDeps): Koa {
  const app = new Koa();
  const router = new Router();
  const activity = new SourceActivity(deps.now);
  router.post('/webhooks/allo', (ctx) => handleWebhook(ctx, DEFAULT_SOURCE, deps, activity));
  router.post('/webhooks/allo/:source', (ctx) => handleWebhook(ctx, ctx.params.source ?? '', deps, activity));
  router.get('/status/sources', (ctx) => {
    ctx.body = sourcesStatus(deps.sources, activity, deps.sourcesFileStatus?.() ?? null, deps.now());
  });
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const producer = deps.publisher.isConnected();
    const { kafka, registry } = await deps.checkDependencies();
    const problems = [
      ...(producer ? [] : ['the Kafka producer is not connected']),
      ...(kafka.ok ? [] : [kafka.error]),
      ...(registry.ok ? [] : [registry.error]),
    ];
    ctx.status = problems.length === 0 ? 200 : 503;
    ctx.body = {
      status: problems.length === 0 ? 'ready' : 'not-ready',
      producer,
      kafka: kafka.ok,
      registry: registry.ok,
      ...(problems.length > 0 ? { problems } : {}),
    };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'unexpected gateway error'));
  return app;
}

async function handleWebhook(
  ctx: Context,
  source: string,
  deps: GatewayDeps,
  activity: SourceActivity,
): Promise<void> {
  const startedAt = deps.now();
  const { metrics } = deps;
  // Only configured sources are tracked, so what clients send cannot grow the counters.
  const known = deps.sources.get(source) !== undefined;
  metrics.inFlight.inc();
  let webhookId: string | undefined;
  let topic: string | null = null;
  let outcome: SourceRequestOutcome | undefined;
  let verificationFailed = false;
  try {
    refuseContentCoding(ctx);
    const body = await readBody(ctx, deps.bodyLimitBytes);
    metrics.bodySize.observe(body.length);
    const received = await receiveWebhook(
      { source, body, headers: ctx.headers },
      {
        ...deps,
        onVerificationFailure: (reason) => {
          verificationFailed = true;
          metrics.verificationFailures.inc({ reason });
        },
        onPublished: (seconds) => metrics.publishLatency.observe(seconds),
      },
    );
    ({ webhookId, topic } = received);
    outcome = { kind: 'accepted', secretFingerprint: secretFingerprint(received.secret) };
    metrics.sourceLastAccepted.set({ source }, deps.now() / 1000);
    ctx.status = 200;
    ctx.body = { status: 'accepted', webhook_id: webhookId };
  } catch (error) {
    if (!(error instanceof WebhookRequestError)) {
      // Koa answers it with a bare 500 after this handler.
      outcome = { kind: 'refused', status: 500, verificationFailed };
      throw error;
    }
    ctx.status = error.status;
    ctx.body = error.toBody();
  } finally {
    if (known)
      activity.record(source, outcome ?? { kind: 'refused', status: ctx.status, verificationFailed });
    metrics.inFlight.dec();
    metrics.requests.inc({ status: String(ctx.status), source });
    // Accepted deliveries are recorded in the raw topic and counted in /metrics, so their line is
    // debug: at info, every delivery costs a line through the supervisor with nothing the raw
    // topic lacks. Refusals are what an operator looks for: info, and 5xx warn.
    const level = ctx.status < 300 ? 'debug' : ctx.status < 500 ? 'info' : 'warn';
    deps.logger[level](
      {
        webhookId: webhookId ?? headerValue(ctx, 'webhook-id'),
        topic,
        source,
        status: ctx.status,
        latencyMs: deps.now() - startedAt,
      },
      'webhook',
    );
  }
}

/**
 * A body with a content coding (gzip, br...) is refused with 415 and `Accept-Encoding: identity`
 * (RFC 9110 15.5.16): the raw topic keeps the bytes exactly as signed and consumers parse them as
 * the event, so compressed bytes would be stored as an unreadable event, and decoding them first
 * would store bytes other than those received. Allo documents no compression.
 */
function refuseContentCoding(ctx: Context): void {
  const coding = ctx.get('content-encoding').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return;
  ctx.set('Accept-Encoding', 'identity');
  throw new WebhookRequestError(
    415,
    'unsupported-content-encoding',
    'content-encoding is not supported: send the body uncompressed',
  );
}

/** The raw body as bytes (never parsed before verification), within the size limit. */
async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  try {
    return await getRawBody(ctx.req, { limit, length: ctx.get('content-length') || undefined });
  } catch (error) {
    const status = (error as { status?: number }).status ?? 400;
    if (status === 413)
      throw new WebhookRequestError(413, 'body-too-large', `request body exceeds ${limit} bytes`);
    throw new WebhookRequestError(400, 'unreadable-body', 'request body could not be read');
  }
}

// Only a bounded prefix of the client's header goes into logs.
function headerValue(ctx: Context, name: string): string | undefined {
  const value = ctx.get(name);
  return value ? value.slice(0, 64) : undefined;
}
