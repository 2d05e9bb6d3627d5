import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type Router from '@koa/router';
import { sql } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { TestDatabase } from '@allo-pipeline/testing';
import { createQueryApi } from '../../services/query-api/src/create-query-api.js';
import { OPENAPI_DOCUMENT } from '../../services/query-api/src/openapi.js';
import {
  applyEvents,
  callCompleted,
  contactEvent,
  createTestReadModels,
  sms,
} from '../../services/query-api/src/test-read-models.js';
import { captureLogs, type CapturedLogs } from './support/capture-logs.js';

// Issue 15, item 4: the query API (in-process, on the suite's Postgres, a fresh database) refuses
// every token that is not exactly a configured one on every route, never reads a token from the
// query string, and answers hostile filter and path values with 400 or a normal result, never a
// 500. Routes and parameters come from the OpenAPI document, checked against the router, so a new
// route is covered without editing this file. hostile-requests.int.test.ts covers NUL and
// overlong path ids and forged cursors; this covers authentication and every parameter.

const TOKEN = 'qa-sec-token-6f1d2c9a8b7e4d3c';
const SECOND_TOKEN = 'qa-sec-second-1a2b3c4d5e6f7a8b';
const NUMBER = '+14155550142';

interface Operation {
  readonly path: string;
  readonly parameters: ReadonlyArray<{ name: string; in: 'query' | 'path' }>;
}

/** Every operation of the document that needs a token (those with `security: []` are open). */
const GUARDED: Operation[] = Object.entries(OPENAPI_DOCUMENT.paths as Record<string, Record<string, unknown>>)
  .filter(([, item]) => {
    const get = item.get as { security?: unknown[] } | undefined;
    return get !== undefined && !(Array.isArray(get.security) && get.security.length === 0);
  })
  .map(([path, item]) => ({
    path,
    parameters: ((item.get as { parameters?: Operation['parameters'] }).parameters ?? []).map((p) => ({
      name: p.name,
      in: p.in,
    })),
  }));

/** A real value for each path parameter, so an authorised request reaches the handler. */
const SAMPLE: Record<string, Record<string, string>> = {
  '/v1/calls/{id}': { id: 'cll_1' },
  '/v1/contacts/{id}': { id: 'cnt_1' },
  '/v1/contacts/{id}/timeline': { id: 'cnt_1' },
  '/v1/conversations/{number}': { number: NUMBER },
};

function fill(operation: Operation, values: Record<string, string> = {}): string {
  return operation.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? SAMPLE[operation.path]?.[name] ?? 'x'),
  );
}

const flip = (text: string, at: number) =>
  `${text.slice(0, at)}${text[at] === 'a' ? 'b' : 'a'}${text.slice(at + 1)}`;

const MALFORMED: Array<[string, string]> = [
  ['no scheme', TOKEN],
  ['scheme Token', `Token ${TOKEN}`],
  ['scheme Basic', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
  ['Bearer alone', 'Bearer'],
  ['Bearer and a space', 'Bearer '],
  ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
  ['two credentials', `Bearer ${TOKEN}, Bearer ${TOKEN}`],
  ['a tab instead of the space', `Bearer\t${TOKEN}`],
  ['a colon instead of the space', `Bearer:${TOKEN}`],
  ['quoted token', `Bearer "${TOKEN}"`],
  ['token=value form', `Bearer token=${TOKEN}`],
  ['scheme glued to the token', `Bearer${TOKEN}`],
  ['empty', ''],
];

const NEAR_MISS: Array<[string, string]> = [
  ['last character off', flip(TOKEN, TOKEN.length - 1)],
  ['first character off', flip(TOKEN, 0)],
  ['a prefix', TOKEN.slice(0, -1)],
  ['half of it', TOKEN.slice(0, TOKEN.length / 2)],
  ['a suffix added', `${TOKEN}x`],
  ['upper case', TOKEN.toUpperCase()],
  ['both tokens joined', `${TOKEN}${SECOND_TOKEN}`],
  ['percent-encoded', encodeURIComponent(TOKEN).replace(/-/g, '%2D')],
];

const QUERY_NAMES = ['token', 'access_token', 'api_key', 'apikey', 'bearer', 'authorization'];

/** Sent as written (already percent-encoded): NUL, an encoded lone surrogate, overlong quotes. */
const PRE_ENCODED = [
  '%00',
  '%ED%A0%80',
  '%C0%A7%20OR%201%3D1',
  '%27%00--',
  '%E2%80%99%3B%20drop%20table%20x',
];

const HOSTILE = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '1; drop table read_model.calls',
  "x'); DROP TABLE read_model.calls; --",
  '\u0000',
  '\u2019 OR \u20181\u2019=\u20181',
  '\uff07 OR 1=1 --',
  '9'.repeat(400),
  '-1',
  '1e309',
  '0x7fffffffffffffff',
  '\\',
  '$1',
  '%',
  '_',
  "a' || pg_sleep(3) || '",
  '1 UNION SELECT password FROM pg_shadow --',
  '"; SELECT 1; --',
  '*/ SELECT 1 /*',
];

describe('query API security on every route', () => {
  let database: TestDatabase<ReadModelDatabase>;
  let logs: CapturedLogs;
  let server: Server;
  let base: string;
  let routerPaths: string[];
  const statuses: Record<string, number> = {};
  let requests = 0;
  let tablesBefore = 0;
  const countTables = async () =>
    Number(
      (
        await sql<{ count: string }>`
          select count(*)::text as count from information_schema.tables
          where table_schema not in ('pg_catalog', 'information_schema')`.execute(database.db)
      ).rows[0]?.count,
    );

  const get = async (path: string, authorization?: string | string[]) => {
    const headers = new Headers();
    for (const value of authorization === undefined ? [] : [authorization].flat())
      headers.append('authorization', value);
    const response = await fetch(`${base}${path}`, { headers });
    const text = await response.text();
    requests += 1;
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    return { status: response.status, text, headers: response.headers };
  };

  beforeAll(async () => {
    database = await createTestReadModels('faults_query_security');
    await applyEvents(database.db, [
      contactEvent('contact.created', '2026-02-01T10:00:00Z', {
        id: 'cnt_1',
        name: 'Jordan',
        numbers: [NUMBER],
      }),
      callCompleted({
        id: 'cll_1',
        startedAt: '2026-02-03T09:00:00Z',
        from: NUMBER,
        contactId: 'cnt_1',
        tags: ['vip'],
      }),
      sms({
        id: 'msg_1',
        direction: 'INBOUND',
        sentAt: '2026-02-03T09:05:00Z',
        from: NUMBER,
        to: '+14155550100',
      }),
    ]);
    tablesBefore = await countTables();
    logs = captureLogs('debug');
    const app = createQueryApi({
      db: database.db,
      tokens: [TOKEN, SECOND_TOKEN],
      logger: logs.logger,
      now: Date.now,
      readProjectionStatus: null,
      rawTopic: 'allo.webhooks.raw',
    });
    routerPaths = app.middleware
      .map((middleware) => (middleware as { router?: Router }).router)
      .filter((router): router is Router => router !== undefined)
      .flatMap((router) =>
        router.stack.filter((layer) => layer.methods.includes('GET')).map((layer) => String(layer.path)),
      );
    const callback = app.callback();
    server = createServer((req, res) => void callback(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await database?.drop();
    console.log(
      `query-api security: ${GUARDED.length} guarded routes, ${requests} requests; by status ${Object.entries(
        statuses,
      )
        .map(([status, count]) => `${status}: ${count}`)
        .join(', ')}`,
    );
  });

  it('enumerates the routes from the OpenAPI document, and the router has no other /v1 route', () => {
    const documented = Object.keys(OPENAPI_DOCUMENT.paths).filter((path) => path.startsWith('/v1/'));
    const served = routerPaths
      .filter((path) => path.startsWith('/v1/'))
      .map((path) => path.replace(/:([A-Za-z_]+)/g, '{$1}'));
    expect([...new Set(served)].sort()).toEqual(documented.sort());
    expect(GUARDED.length).toBeGreaterThanOrEqual(10);
  });

  it('answers each guarded route with 200 for a valid token (the baseline the refusals are compared with)', async () => {
    for (const operation of GUARDED) {
      for (const token of [TOKEN, SECOND_TOKEN]) {
        const res = await get(fill(operation), `Bearer ${token}`);
        expect([operation.path, res.status]).toEqual([operation.path, 200]);
      }
      // RFC 9110 11.1: the scheme is case-insensitive, and 1*SP separates it from the token.
      for (const header of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`]) {
        expect([header, (await get(fill(operation), header)).status]).toEqual([header, 200]);
      }
    }
  });

  const expectRefused = (res: { status: number; text: string; headers: Headers }, what: string) => {
    expect([what, res.status]).toEqual([what, 401]);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="allo-pipeline"/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect([what, Object.keys(body)]).toEqual([what, ['error']]);
    // Nothing from the read models leaks into a refusal.
    for (const value of ['cll_1', 'cnt_1', 'msg_1', 'Jordan', NUMBER]) expect(res.text).not.toContain(value);
  };

  it('refuses no token, malformed Authorization headers and near-miss tokens with 401 and no data', async () => {
    let checked = 0;
    for (const operation of GUARDED) {
      const path = fill(operation);
      expectRefused(await get(path), `${operation.path} without a token`);
      for (const [what, header] of [
        ...MALFORMED,
        ...NEAR_MISS.map(([w, t]): [string, string] => [w, `Bearer ${t}`]),
      ]) {
        expectRefused(await get(path, header), `${operation.path}: ${what}`);
        checked += 1;
      }
      expectRefused(
        await get(path, [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]),
        `${operation.path}: two Authorization headers`,
      );
      checked += 2;
    }
    expect(checked).toBe(GUARDED.length * (MALFORMED.length + NEAR_MISS.length + 2));
  });

  it('never reads a token from the query string', async () => {
    for (const operation of GUARDED) {
      for (const name of QUERY_NAMES) {
        const path = `${fill(operation)}?${name}=${encodeURIComponent(TOKEN)}`;
        expectRefused(await get(path), `${operation.path}?${name}=`);
        const bearer = `${fill(operation)}?${name}=${encodeURIComponent(`Bearer ${TOKEN}`)}`;
        expectRefused(await get(bearer), `${operation.path}?${name}=Bearer`);
      }
    }
  });

  it('answers SQL injection through every filter and path parameter with 400 or a normal result, never a 500', async () => {
    const auth = `Bearer ${TOKEN}`;
    const outcomes: string[] = [];
    let tried = 0;
    for (const operation of GUARDED) {
      for (const parameter of operation.parameters) {
        const encode = (value: string) => (PRE_ENCODED.includes(value) ? value : encodeURIComponent(value));
        const attempts = [
          ...HOSTILE.map((value) => [value]),
          ...PRE_ENCODED.map((value) => [value]),
          ['a', 'b'],
          ["' OR 1=1 --", '1'],
        ];
        for (const values of attempts) {
          let path: string;
          if (parameter.in === 'path') {
            path = operation.path.replace(`{${parameter.name}}`, values.map(encode).join(','));
            path = fill({ ...operation, path });
          } else {
            const query = values.map((value) => `${parameter.name}=${encode(value)}`).join('&');
            path = `${fill(operation)}?${query}`;
          }
          const started = performance.now();
          const res = await get(path, auth);
          const ms = performance.now() - started;
          tried += 1;
          const ok =
            res.status === 400 ||
            (res.status === 404 && parameter.in === 'path') ||
            (res.status === 200 && isNormalResult(res.text));
          if (!ok || ms > 2000)
            outcomes.push(
              `${operation.path} ${parameter.in} ${parameter.name}=${JSON.stringify(values)}: ${res.status} in ${ms.toFixed(0)} ms ${res.text.slice(0, 120)}`,
            );
        }
      }
    }
    expect(outcomes).toEqual([]);
    expect(tried).toBeGreaterThan(300);
    console.log(`query-api security: ${tried} injection attempts through every parameter, none a 5xx`);
  });

  it('still has every table and row afterwards, and logged no token and no error', async () => {
    expect(tablesBefore).toBeGreaterThan(5);
    expect(await countTables()).toBe(tablesBefore);
    const auth = `Bearer ${TOKEN}`;
    const calls = JSON.parse((await get('/v1/calls', auth)).text) as { data: Array<{ id: string }> };
    const contacts = JSON.parse((await get('/v1/contacts', auth)).text) as { data: Array<{ id: string }> };
    const messages = JSON.parse((await get('/v1/messages', auth)).text) as { data: Array<{ id: string }> };
    expect([
      calls.data.map((c) => c.id),
      contacts.data.map((c) => c.id),
      messages.data.map((m) => m.id),
    ]).toEqual([['cll_1'], ['cnt_1'], ['msg_1']]);
    expect(statuses['500'] ?? 0).toBe(0);
    const errors = logs.lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    const leaks = logs.leaks([
      { what: 'the API token', value: TOKEN },
      { what: 'the second API token', value: SECOND_TOKEN },
      ...NEAR_MISS.filter(([, token]) => token.length >= 8).map(([what, value]) => ({
        what: `a near-miss token (${what})`,
        value,
      })),
    ]);
    expect(leaks).toEqual([]);
  });
});

/** A 200 body of a route: a list `{ data, next_cursor }` or one object, as JSON. */
function isNormalResult(text: string): boolean {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && !('error' in body);
  } catch {
    return false;
  }
}
