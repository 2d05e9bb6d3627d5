import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { parseAlloEvent } from '@allo-pipeline/allo-events';
import { PROJECTIONS, type ProjectionEvent } from '@allo-pipeline/projections';
import {
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  PROJECTION_NAMES,
  readLiveGeneration,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { createTestDatabase, type TestDatabase } from '@allo-pipeline/testing';
import { runExport, type ExportCommand } from './export-command.js';
import type { ExportEntity, ExportFormat } from './export-columns.js';

// Exports of read models filled by the real projections, read back by independent readers:
// DuckDB for Parquet (types, counts, sampled values), csv-parse and DuckDB's CSV reader for
// RFC 4180, JSON.parse per line. The tricky summary holds quotes, commas, CR LF and non-ASCII.

const TRICKY = 'He said "hi, there"\r\nthen left — Grüße, 東京 🚀';
const CALLS = 1_203; // more than two pages of 500 below, so keyset pagination is exercised
let database: TestDatabase<ReadModelDatabase>;
let dir: string;
let duck: DuckDBConnection;

function event(webhookId: string, topic: string, at: string, data: Record<string, unknown>): ProjectionEvent {
  const parsed = parseAlloEvent(Buffer.from(JSON.stringify({ topic, version: '2.0', timestamp: at, data })));
  if (!parsed.ok) throw new Error(`fixture ${webhookId} does not parse`);
  return { webhookId, occurredAt: parsed.event.occurredAt!, event: parsed.event };
}

const startOf = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000);

beforeAll(async () => {
  database = await createTestDatabase<ReadModelDatabase>('export');
  const { db } = database;
  await migrateToLatest(db as unknown as Kysely<unknown>);
  for (const projection of PROJECTION_NAMES) await ensureLiveGeneration(db, projection);
  const events: ProjectionEvent[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const id = `cll_${String(i).padStart(5, '0')}`;
    events.push(
      event(`wh_c${i}`, 'call.completed', startOf(i).toISOString(), {
        id,
        start_date: startOf(i).toISOString(),
        from_number: '+14155550142',
        to: '+14155550100',
        type: 'INBOUND',
        result: 'ANSWERED',
        length_in_minutes: i % 10,
        summary: i === 7 ? TRICKY : `summary ${i}`,
        tags: i % 3 === 0 ? ['pricing', 'vip'] : [],
      }),
    );
  }
  events.push(event('wh_m1', 'sms.received', '2026-01-02T00:00:00.000Z', { id: 'msg_1', content: TRICKY }));
  events.push(
    event('wh_p1', 'contact.updated', '2026-01-03T00:00:00.000Z', {
      id: 'con_1',
      name: 'Zoë',
      emails: ['a@x.io', 'b@x.io'],
      numbers: ['+33612345678'],
      lead_source: 'Webinar',
    }),
  );
  for (const projection of Object.values(PROJECTIONS)) {
    const live = await readLiveGeneration(db, projection.name);
    const schema = generationSchema(projection.name, live!.version);
    const applicable = events.filter((e) => projection.classify(e.event).kind === 'apply');
    await db.transaction().execute((trx) => projection.applyBatch(trx, schema, applicable));
  }
  dir = mkdtempSync(join(tmpdir(), 'allo-export-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  duck?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

async function exportTo(
  entity: ExportEntity,
  format: ExportFormat,
  range: { since?: Date; until?: Date } = {},
): Promise<string> {
  const out = join(dir, `${entity}-${format}-${Date.now()}.${format}`);
  const command: ExportCommand = {
    name: 'export',
    entity,
    format,
    out,
    since: range.since,
    until: range.until,
  };
  const result = await runExport(command, {
    db: database.db,
    stderr: process.stderr,
    now: Date.now,
    pageSize: 500,
  });
  expect(result.rows).toBeGreaterThan(0);
  return out;
}

async function duckRows(query: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(query)).getRowObjectsJson();
}

describe('export', () => {
  it('writes Parquet with typed columns that DuckDB reads back like the read model', async () => {
    const file = await exportTo('calls', 'parquet');
    const types = await duckRows(`select column_name, column_type from (describe select * from '${file}')`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      call_id: 'VARCHAR',
      started_at: 'TIMESTAMP WITH TIME ZONE',
      duration_seconds: 'INTEGER',
      has_transcript: 'BOOLEAN',
      tags: 'VARCHAR[]',
    });
    const [summary] = await duckRows(
      `select count(*)::integer as n, count(distinct call_id)::integer as ids from '${file}'`,
    );
    const [count] = await database.db
      .selectFrom('read_model.calls')
      .select((eb) => eb.fn.countAll().as('n'))
      .execute();
    expect(summary).toEqual({ n: Number(count!.n), ids: CALLS });
    const sample = await duckRows(
      `select call_id, epoch_ms(started_at)::bigint as started_ms, duration_seconds, summary, tags
       from '${file}' where call_id in ('cll_00007', 'cll_00600', 'cll_01200') order by call_id`,
    );
    expect(sample).toEqual([
      {
        call_id: 'cll_00007',
        started_ms: String(startOf(7).getTime()),
        duration_seconds: 420,
        summary: TRICKY,
        tags: [],
      },
      {
        call_id: 'cll_00600',
        started_ms: String(startOf(600).getTime()),
        duration_seconds: 0,
        summary: 'summary 600',
        tags: ['pricing', 'vip'],
      },
      {
        call_id: 'cll_01200',
        started_ms: String(startOf(1200).getTime()),
        duration_seconds: 0,
        summary: 'summary 1200',
        tags: ['pricing', 'vip'],
      },
    ]);
  });

  it('keeps --since inclusive and --until exclusive on the time column', async () => {
    const file = await exportTo('calls', 'parquet', { since: startOf(100), until: startOf(200) });
    const [range] = await duckRows(
      `select count(*)::integer as n, min(call_id) as lo, max(call_id) as hi from '${file}'`,
    );
    expect(range).toEqual({ n: 100, lo: 'cll_00100', hi: 'cll_00199' });
  });

  it('writes RFC 4180 CSV that round-trips quotes, CR LF and non-ASCII text', async () => {
    const file = await exportTo('messages', 'csv');
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('message_id,direction,type,content,')).toBe(true);
    expect(text).toContain('"He said ""hi, there""\r\nthen left');
    const records = parse<Record<string, string>>(text, { columns: true, record_delimiter: '\r\n' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      message_id: 'msg_1',
      content: TRICKY,
      sent_at: '2026-01-02T00:00:00.000Z',
      direction: 'INBOUND',
    });
    const [viaDuck] = await duckRows(
      `select content from read_csv('${file}', header = true, quote = '"', escape = '"')`,
    );
    expect(viaDuck?.content).toBe(TRICKY);
  });

  it('writes JSON Lines with lists as arrays and times as ISO 8601', async () => {
    const file = await exportTo('contacts', 'jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      contact_id: 'con_1',
      first_name: 'Zoë',
      emails: ['a@x.io', 'b@x.io'],
      numbers: ['+33612345678'],
      updated_at: '2026-01-03T00:00:00.000Z',
    });
    expect(JSON.parse((JSON.parse(lines[0]!) as { custom_properties: string }).custom_properties)).toEqual({
      lead_source: 'Webinar',
    });
  });
});
