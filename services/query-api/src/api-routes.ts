import type { Router, RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { Kysely } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { notFound } from './api-error.js';
import { parseCallsQuery } from './calls-params.js';
import { getCall, listCalls } from './calls-query.js';
import { readContactTimeline } from './contact-timeline.js';
import { parseContactsQuery, parseTimelineQuery } from './contacts-params.js';
import { getContact, listContacts } from './contacts-query.js';
import { parseConversationQuery, parseMessagesQuery } from './messages-params.js';
import { listConversation, listMessages } from './messages-query.js';
import { readProjectionsReport, type ProjectionStatusReader } from './projections-report.js';
import { parsePathId, readQuery } from './query-params.js';
import { readStatsCoverage } from './stats-coverage.js';
import { parseStatsQuery } from './stats-params.js';
import { readStats } from './stats-query.js';

export interface ApiRouteDeps {
  readonly db: Kysely<ReadModelDatabase>;
  readonly now: () => number;
  readonly readProjectionStatus: ProjectionStatusReader | null;
  readonly rawTopic: string;
}

/**
 * The read-only /v1 resources, each behind `guard` (bearer auth). Each handler parses its
 * parameters first (a 400 ApiError names the culprit), then queries; an unknown id is a 404.
 */
export function mountApiRoutes(router: Router, guard: Middleware, deps: ApiRouteDeps): void {
  const { db } = deps;
  // The guard runs inside each route (not router.use) so that metrics label even a 401 with its route.
  const route = (path: string, handler: RouterMiddleware) => router.get(path, guard, handler);
  route('/calls', async (ctx) => {
    ctx.body = await listCalls(db, parseCallsQuery(ctx.query));
  });
  route('/calls/:id', async (ctx) => {
    readQuery(ctx.query, []);
    const id = parsePathId('id', ctx.params.id ?? '');
    ctx.body = (await getCall(db, id)) ?? throwNotFound(`no call with id ${id}`);
  });
  route('/messages', async (ctx) => {
    ctx.body = await listMessages(db, parseMessagesQuery(ctx.query));
  });
  route('/conversations/:number', async (ctx) => {
    ctx.body = await listConversation(db, parseConversationQuery(ctx.params.number ?? '', ctx.query));
  });
  route('/contacts', async (ctx) => {
    ctx.body = await listContacts(db, parseContactsQuery(ctx.query));
  });
  route('/contacts/:id', async (ctx) => {
    readQuery(ctx.query, []);
    const id = parsePathId('id', ctx.params.id ?? '');
    ctx.body = (await getContact(db, id)) ?? throwNotFound(`no contact with id ${id}`);
  });
  route('/contacts/:id/timeline', async (ctx) => {
    const id = parsePathId('id', ctx.params.id ?? '');
    ctx.body =
      (await readContactTimeline(db, parseTimelineQuery(id, ctx.query))) ??
      throwNotFound(`no contact with id ${id}`);
  });
  route('/stats', async (ctx) => {
    ctx.body = await readStats(db, parseStatsQuery(ctx.query, deps.now()));
  });
  route('/stats/coverage', async (ctx) => {
    readQuery(ctx.query, []);
    ctx.body = await readStatsCoverage(db);
  });
  route('/projections', async (ctx) => {
    readQuery(ctx.query, []);
    ctx.body = await readProjectionsReport({ ...deps, readStatus: deps.readProjectionStatus });
  });
}

function throwNotFound(message: string): never {
  throw notFound(message);
}
