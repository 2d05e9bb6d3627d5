// Export throughput and memory: seeds 1,000,000 calls (a tenth tagged, 1 % without started_at)
// into a fresh read-model database, then exports them once per format, each in a child process of
// its own so its peak RSS (getrusage maxrss) is the export's alone. Prints one JSON line per format.
// Run: DATABASE_URL=… npx tsx packages/cli/bench/export.bench.ts [calls]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import {
  connectReadModels,
  ensureLiveGeneration,
  generationSchema,
  migrateToLatest,
  PROJECTION_NAMES,
  readLiveGeneration,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';
import { createTestDatabase } from '@allo-pipeline/testing';
import { runExport } from '../src/export-command.js';
import { EXPORT_FORMATS, type ExportFormat } from '../src/export-columns.js';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'child') await child(args[0]!, args[1] as ExportFormat, args[2]!);
else await parent(Number(mode ?? 1_000_000));

async function parent(calls: number): Promise<void> {
  const database = await createTestDatabase<ReadModelDatabase>('export_bench');
  const dir = mkdtempSync(join(tmpdir(), 'allo-export-bench-'));
  try {
    await migrateToLatest(database.db as unknown as Kysely<unknown>);
    for (const projection of PROJECTION_NAMES) await ensureLiveGeneration(database.db, projection);
    await seedCalls(database.db, calls);
    for (const format of EXPORT_FORMATS) {
      const out = join(dir, `calls.${format}`);
      const tsx = join(fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url)));
      const run = spawnSync(tsx, [fileURLToPath(import.meta.url), 'child', database.url, format, out], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (run.status !== 0) throw new Error(`export to ${format} failed (exit ${run.status})`);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      process.stdout.write(`${JSON.stringify({ ...result, calls, fileMiB: mib(statSync(out).size) })}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

async function child(url: string, format: ExportFormat, out: string): Promise<void> {
  const db = connectReadModels(url, { max: 2 });
  try {
    const command = {
      name: 'export' as const,
      entity: 'calls' as const,
      format,
      out,
      since: undefined,
      until: undefined,
    };
    const { rows, ms } = await runExport(command, { db, stderr: process.stderr, now: Date.now });
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    const result = {
      bench: 'export',
      format,
      rows,
      seconds: ms / 1000,
      rowsPerSecond: Math.round((rows * 1000) / ms),
      peakRssMiB,
    };
    process.stdout.write(`${JSON.stringify({ ...result, node: process.version })}\n`);
  } finally {
    await db.destroy();
  }
}

async function seedCalls(db: Kysely<ReadModelDatabase>, calls: number): Promise<void> {
  const live = await readLiveGeneration(db, 'calls');
  const schema = generationSchema('calls', live!.version);
  const at = sql.raw(
    `timestamptz '2025-01-01T00:00:00Z' + (i::bigint * 31536000 / ${calls}) * interval '1 second'`,
  );
  await sql`insert into ${sql.id(schema, 'calls')} (call_id, direction, from_number, to_number, from_name,
      to_name, user_email, contact_id, status, result, started_at, duration_seconds, summary, recording_url,
      first_event_at, last_event_at)
    select 'cll_' || lpad(i::text, 7, '0'), case when i % 2 = 0 then 'INBOUND' else 'OUTBOUND' end,
      '+1415555' || lpad((i % 10000)::text, 4, '0'), '+14155550100', 'Caller "' || i % 1000 || '"', 'Brightlane',
      'agent' || i % 40 || '@brightlane.io', case when i % 3 = 0 then 'con_' || i % 50000 end,
      'completed', (array['ANSWERED', 'VOICEMAIL', 'MISSED', 'FAILED'])[i % 4 + 1],
      case when i % 100 <> 0 then ${at} end, i % 600,
      'Summary of call ' || i || E', with "quotes"\\nand a second line — é', 'https://rec.example/' || i || '.mp3',
      ${at}, ${at} + interval '5 minutes'
    from generate_series(1, ${sql.lit(calls)}) as i`.execute(db);
  await sql`insert into ${sql.id(schema, 'call_tags')} (call_id, tag, present, changed_at)
    select 'cll_' || lpad(i::text, 7, '0'), (array['pricing', 'vip', 'follow-up', 'urgent'])[(i / 10) % 4 + 1], true, now()
    from generate_series(10, ${sql.lit(calls)}, 10) as i`.execute(db);
  await sql`analyze`.execute(db);
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
