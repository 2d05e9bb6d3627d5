import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ensureLiveGeneration, migrateToLatest, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { seedCallId, seedContactId, seedCustomerNumber, seedReadModels } from './seed-read-models.js';
import { testApi } from './test-read-models.js';

// The plans of the SQL each list endpoint really runs (captured from a real request through a
// query logger), against 1M calls, 200k messages and 100k contacts: none may scan a big table.
const BIG_TABLES = new Set(['calls', 'messages', 'contacts', 'call_tags']);
const number = seedCustomerNumber(4242);
const ENDPOINTS: readonly [string, string][] = [
  ['calls', '/v1/calls'],
  ['calls number', `/v1/calls?number=${encodeURIComponent(number)}`],
  ['calls direction', '/v1/calls?direction=OUTBOUND'],
  ['calls status', '/v1/calls?status=ringing'],
  ['calls status+direction', '/v1/calls?status=completed&direction=INBOUND'],
  ['calls result', '/v1/calls?result=VOICEMAIL'],
  ['calls tag', '/v1/calls?tag=vip'],
  ['calls contact_id', `/v1/calls?contact_id=${seedContactId(4242)}`],
  ['calls since/until', '/v1/calls?since=2025-03-01T00:00:00Z&until=2025-03-02T00:00:00Z'],
  ['call by id', `/v1/calls/${seedCallId(123_456)}`],
  ['messages', '/v1/messages'],
  ['messages number', `/v1/messages?number=${encodeURIComponent(number)}`],
  ['messages direction', '/v1/messages?direction=INBOUND'],
  ['messages since/until', '/v1/messages?since=2025-03-01T00:00:00Z&until=2025-03-02T00:00:00Z'],
  ['conversation', `/v1/conversations/${encodeURIComponent(number)}`],
  ['contacts', '/v1/contacts'],
  ['contacts q name', '/v1/contacts?q=jordan12'],
  ['contacts q email', '/v1/contacts?q=person4242%40example.com'],
  ['contacts q number', `/v1/contacts?q=${encodeURIComponent(number)}`],
  ['contact timeline', `/v1/contacts/${seedContactId(4242)}/timeline`],
  // Polled by the dashboard every 2 s: min and max must come from index ends.
  ['stats coverage', '/v1/stats/coverage'],
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

let database: TestDatabase<ReadModelDatabase>;
let logged: Kysely<ReadModelDatabase>;
let captured: CompiledQuery[] = [];
const rows: string[] = [];
const startedAt = Date.now();

beforeAll(async () => {
  database = await createTestDatabase<ReadModelDatabase>('query_plans');
  await migrateToLatest(database.db as unknown as Kysely<unknown>);
  for (const projection of ['calls', 'messages', 'contacts'] as const) {
    await ensureLiveGeneration(database.db, projection);
  }
  await seedReadModels(database.db);
  logged = new Kysely<ReadModelDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }),
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
}, 180_000);

afterAll(async () => {
  console.log(
    `${['endpoint'.padEnd(24), 'query', 'plan (root ← … scans)'].join(' | ')}\n${rows.join('\n')}\n` +
      `query-plans: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  await logged?.destroy();
  await database?.drop();
});

describe('list endpoint plans over 1M calls', () => {
  it.each(ENDPOINTS)(
    '%s (%s) scans no big table sequentially',
    async (name, path) => {
      captured = [];
      const res = await testApi(logged).get(path);
      expect(res.status).toBe(200);
      const queries = captured;
      expect(queries.length).toBeGreaterThan(0);
      for (const [index, query] of queries.entries()) {
        // Through the unlogged client, with the request's own parameters (a custom plan for them).
        const result = await database.db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters]),
        );
        const plan = result.rows[0]?.['QUERY PLAN'][0].Plan;
        if (!plan) throw new Error(`no plan for ${query.sql}`);
        const nodes = flatten(plan);
        rows.push(`${name.padEnd(24)} | ${index + 1}     | ${describePlan(plan, nodes)}`);
        const seqScans = nodes.filter(
          (n) => n['Node Type'] === 'Seq Scan' && BIG_TABLES.has(n['Relation Name'] ?? ''),
        );
        expect({ sql: query.sql, seqScans: seqScans.map((n) => n['Relation Name']) }).toEqual({
          sql: query.sql,
          seqScans: [],
        });
      }
    },
    30_000,
  );
});

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

function describePlan(root: PlanNode, nodes: readonly PlanNode[]): string {
  const scans = nodes
    .filter((n) => n['Relation Name'] !== undefined || n['Index Name'] !== undefined)
    .map((n) => `${n['Node Type']} ${n['Index Name'] ?? n['Relation Name']}`);
  return (
    nodes[0] === root && scans.length > 0 && root['Relation Name'] !== undefined
      ? scans
      : [root['Node Type'], ...scans]
  ).join(' ← ');
}
