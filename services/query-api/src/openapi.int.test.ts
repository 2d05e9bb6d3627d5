import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import kafkajs from 'kafkajs';
import request from 'supertest';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import type { TestDatabase } from '@allo-pipeline/testing';
import { encodeCursor } from './cursor.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import {
  applyEvents,
  callCompleted,
  contactEvent,
  createTestReadModels,
  sms,
  tagEvent,
  testApi,
} from './test-read-models.js';

// The contract test: real responses of every endpoint, success and error, checked against the
// schemas the OpenAPI document declares for that path and status.

let database: TestDatabase<ReadModelDatabase>;
let api: ReturnType<typeof testApi>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose .default is the plugin.
ajvFormats.default(ajv);
ajv.addSchema(OPENAPI_DOCUMENT, 'openapi');

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function validatorFor(template: string, status: number): ValidateFunction {
  const pointer = `openapi#/paths/${escape(template)}/get/responses/${status}/content/application~1json/schema`;
  const validate = ajv.getSchema(pointer);
  if (!validate) throw new Error(`the OpenAPI document has no ${status} response for GET ${template}`);
  return validate;
}

function expectConforms(template: string, res: request.Response): void {
  const validate = validatorFor(template, res.status);
  const valid = validate(res.body);
  if (!valid)
    throw new Error(`GET ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

beforeAll(async () => {
  database = await createTestReadModels('query_openapi');
  api = testApi(database.db);
  await applyEvents(database.db, [
    contactEvent('contact.created', '2026-02-01T10:00:00Z', {
      id: 'cnt_1',
      name: 'Jordan',
      last_name: 'Whitfield',
      email: 'jordan@example.com',
      numbers: ['+14155550142'],
    }),
    callCompleted({ id: 'cll_1', startedAt: '2026-02-03T09:00:00Z', tags: ['pricing'], contactId: 'cnt_1' }),
    tagEvent('tag.added', 'cll_stub', 'vip', '2026-02-03T09:30:00Z'),
    sms({
      id: 'msg_1',
      direction: 'INBOUND',
      sentAt: '2026-02-03T09:05:00Z',
      from: '+14155550142',
      to: '+1',
    }),
    sms({
      id: 'msg_2',
      direction: 'OUTBOUND',
      sentAt: '2026-02-03T09:06:00Z',
      from: '+1',
      to: '+14155550142',
    }),
  ]);
});

afterAll(async () => {
  await database.drop();
});

const number = encodeURIComponent('+14155550142');
/** A cursor with a valid checksum and an impossible time (month 13). */
const forgedCursor = encodeURIComponent(
  encodeCursor('calls', '', { time: '2026-13-01T00:00:00.000000Z', rank: 0, id: 'cll_1' }),
);

// [path as requested, path template in the document, expected status]
const exchanges: Array<[string, string, number]> = [
  ['/v1/calls', '/v1/calls', 200],
  ['/v1/calls?limit=1', '/v1/calls', 200],
  ['/v1/calls?tag=vip&status=completed', '/v1/calls', 200],
  ['/v1/calls?limit=abc', '/v1/calls', 400],
  [`/v1/calls?cursor=${forgedCursor}`, '/v1/calls', 400],
  ['/v1/calls/cll_1', '/v1/calls/{id}', 200],
  ['/v1/calls/cll_stub', '/v1/calls/{id}', 200],
  ['/v1/calls/nope', '/v1/calls/{id}', 404],
  ['/v1/calls/cll_1?x=1', '/v1/calls/{id}', 400],
  ['/v1/calls/x%00y', '/v1/calls/{id}', 400],
  ['/v1/messages?limit=1', '/v1/messages', 200],
  ['/v1/messages?direction=sideways', '/v1/messages', 400],
  [`/v1/conversations/${number}`, '/v1/conversations/{number}', 200],
  [`/v1/conversations/${number}?cursor=x`, '/v1/conversations/{number}', 400],
  ['/v1/conversations/x%00y', '/v1/conversations/{number}', 400],
  ['/v1/contacts?q=jor', '/v1/contacts', 200],
  ['/v1/contacts?limit=0', '/v1/contacts', 400],
  ['/v1/contacts/cnt_1', '/v1/contacts/{id}', 200],
  ['/v1/contacts/nope', '/v1/contacts/{id}', 404],
  ['/v1/contacts/x%00y', '/v1/contacts/{id}', 400],
  ['/v1/contacts/cnt_1/timeline', '/v1/contacts/{id}/timeline', 200],
  ['/v1/contacts/cnt_1/timeline?limit=1', '/v1/contacts/{id}/timeline', 200],
  ['/v1/contacts/nope/timeline', '/v1/contacts/{id}/timeline', 404],
  ['/v1/contacts/x%00y/timeline', '/v1/contacts/{id}/timeline', 400],
  ['/v1/stats?since=2026-02-03T00:00:00Z&until=2026-02-04T00:00:00Z', '/v1/stats', 200],
  ['/v1/stats?bucket=minute', '/v1/stats', 200],
  ['/v1/stats?bucket=fortnight', '/v1/stats', 400],
  ['/v1/stats/coverage', '/v1/stats/coverage', 200],
  ['/v1/stats/coverage?since=2026-02-03', '/v1/stats/coverage', 400],
  ['/v1/projections', '/v1/projections', 200],
  ['/v1/projections?verbose=1', '/v1/projections', 400],
];

describe('OpenAPI document', () => {
  it('is served without authentication', async () => {
    const res = await request(api.server).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  });

  it('documents every route of the API', () => {
    const documented = Object.keys(OPENAPI_DOCUMENT.paths).filter((path) => path.startsWith('/v1/'));
    expect(new Set(documented)).toEqual(
      new Set([...exchanges.map(([, template]) => template), '/v1/openapi.json']),
    );
  });

  it.each(exchanges)('describes GET %s (%s → %d)', async (path, template, status) => {
    const res = await api.get(path);
    expect(res.status).toBe(status);
    expectConforms(template, res);
  });

  it('describes 401 answers of every /v1 route', async () => {
    for (const [path, template] of exchanges) {
      const res = await request(api.server).get(path).set('Authorization', 'Bearer wrong');
      expect(res.status).toBe(401);
      expectConforms(template, res);
    }
  });

  it('describes /v1/projections with Kafka unavailable', async () => {
    const failing = testApi(database.db, {
      readProjectionStatus: () => Promise.reject(new kafkajs.KafkaJSConnectionError('down')),
    });
    expectConforms('/v1/projections', await failing.get('/v1/projections'));
  });

  it('describes the probes', async () => {
    expectConforms('/healthz', await request(api.server).get('/healthz'));
    expectConforms('/readyz', await request(api.server).get('/readyz'));
  });

  it('catches a response that drifts from the document', () => {
    const validate = validatorFor('/v1/calls/{id}', 200);
    expect(validate({ id: 'x', surprise: true })).toBe(false);
  });
});
