// `npm run bench [-- <group>… ] [--records N]`: speed and memory, side by side in one run (never
// timed tests). Each benchmark is a child process that prints one JSON line per measurement on
// stdout; this script starts (or reuses) the local stack, runs the groups, then writes every line
// with the machine it ran on to bench/results/<timestamp>.json and prints Markdown tables with
// the issue-13 targets checked. Groups: gateway, rebuild, freshness (the comparisons), verify,
// simulator, stream (quick component figures) by default; query and export (1M-row seeds, several
// minutes each) only when named or with --all.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { stackDown, stackEnv, stackUp } from '../infra/dist/index.js';
import { benchTables } from './bench-tables.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function parseArgs(argv) {
  const groups = [];
  let all = false;
  let records = process.env.REBUILD_BENCH_RECORDS ?? '200000';
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--all') all = true;
    else if (argv[i] === '--records') records = argv[++i];
    else if (argv[i].startsWith('--records=')) records = argv[i].slice('--records='.length);
    else groups.push(argv[i]);
  }
  if (!/^[1-9][0-9]*$/.test(records ?? ''))
    throw new Error(`--records must be a positive integer, got "${records}"`);
  return { groups, records, all };
}

const { groups: chosen, records, all } = parseArgs(process.argv.slice(2));
const GROUPS = [
  {
    name: 'gateway',
    title: 'gateway vs hand-written receiver vs verify-only bound',
    stack: true,
    command: [process.execPath, 'services/gateway/bench/gateway.bench.mjs'],
  },
  {
    name: 'rebuild',
    title: `rebuild of each projection vs consume + decode and a COPY bound, ${records} records`,
    stack: true,
    command: [tsx, 'packages/cli/bench/rebuild.bench.ts', '--records', records],
  },
  {
    name: 'freshness',
    title: "gateway 2xx → row visible through the query API, and every service's peak RSS",
    stack: true,
    command: [process.execPath, 'bench/freshness.bench.mjs'],
  },
  {
    name: 'verify',
    title: 'webhook signature verification: ours vs standardwebhooks',
    stack: false,
    command: [tsx, 'packages/webhook-signature/bench/verify.bench.ts'],
  },
  {
    name: 'simulator',
    title: 'simulator maximum delivery rate against a trivial 200 server',
    stack: false,
    command: [tsx, 'packages/allo-simulator/bench/max-rate.bench.ts'],
  },
  {
    name: 'query',
    onlyWhenAsked: true,
    title: 'query API latency over 1M calls',
    stack: true,
    command: [tsx, 'services/query-api/bench/query-latency.bench.ts'],
  },
  {
    name: 'stream',
    title: 'analytics stream: typed exactly-once vs raw consume-only',
    stack: true,
    command: [
      tsx,
      'services/analytics-stream/bench/stream-throughput.bench.ts',
      process.env.STREAM_BENCH_RECORDS ?? '50000',
    ],
  },
  {
    name: 'export',
    onlyWhenAsked: true,
    title: 'export of 1M calls to parquet, csv and jsonl',
    stack: true,
    command: [tsx, 'packages/cli/bench/export.bench.ts', process.env.EXPORT_BENCH_CALLS ?? '1000000'],
  },
];
const unknown = chosen.filter((name) => !GROUPS.some((g) => g.name === name));
if (unknown.length > 0)
  throw new Error(
    `unknown benchmark group(s) ${unknown.join(', ')}; known: ${GROUPS.map((g) => g.name).join(', ')}`,
  );
const selected = all
  ? GROUPS
  : chosen.length === 0
    ? GROUPS.filter((g) => !g.onlyWhenAsked)
    : GROUPS.filter((g) => chosen.includes(g.name));

/** Runs one benchmark; resolves with its JSON lines. Other stdout lines go to stderr. */
function runBenchmark(group, env) {
  return new Promise((resolve, reject) => {
    const [command, ...args] = group.command;
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const results = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          // A line without a name is named after its group; a service's pino line is a log.
          const log = typeof parsed.bench !== 'string' && 'level' in parsed && 'msg' in parsed;
          if (!log) {
            results.push(typeof parsed.bench === 'string' ? parsed : { bench: group.name, ...parsed });
            process.stderr.write(`  ${line}\n`);
            return;
          }
        }
      } catch {}
      process.stderr.write(`${line}\n`);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve(results)
        : reject(new Error(`${group.name} benchmark failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

const started = new Date();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
const report = { startedAt: started.toISOString(), machine, records: Number(records), groups: {} };
const needsStack = selected.some((g) => g.stack);
const stack = needsStack
  ? await stackUp({ onProgress: (line) => process.stderr.write(`stack: ${line}\n`) })
  : null;
const failures = [];
try {
  for (const group of selected) {
    process.stderr.write(`\n# ${group.name}: ${group.title}\n`);
    const groupStarted = Date.now();
    try {
      const results = await runBenchmark(group, {
        ...process.env,
        ...(stack ? stackEnv(stack.endpoints) : {}),
      });
      report.groups[group.name] = {
        title: group.title,
        seconds: Math.round((Date.now() - groupStarted) / 1000),
        results,
      };
    } catch (error) {
      failures.push(`${group.name}: ${error.message}`);
      report.groups[group.name] = { title: group.title, error: error.message, results: [] };
    }
  }
} finally {
  if (stack) await stackDown({ services: stack.started });
}
report.seconds = Math.round((Date.now() - started.getTime()) / 1000);
const markdown = benchTables(report);
report.markdown = markdown;
const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${markdown}\nResults: ${file} (${report.seconds} s)\n`);
if (failures.length > 0) {
  process.stderr.write(`\nbenchmarks that failed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  process.exit(1);
}
