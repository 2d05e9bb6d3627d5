// `npm run bench`: speed and memory figures (never timed tests). Starts or reuses the local stack
// for the benchmarks that need Kafka, and stops what it started.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stackDown, stackEnv, stackUp } from '../infra/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const run = (command, args, env = process.env) =>
  execFileSync(command, args, { cwd: root, stdio: 'inherit', env });

console.log('# webhook signature verification: ours vs standardwebhooks');
run(tsx, ['packages/webhook-signature/bench/verify.bench.ts']);
const simulatorBench = 'packages/allo-simulator/bench/max-rate.bench.ts';
if (existsSync(join(root, simulatorBench))) {
  console.log('# simulator maximum delivery rate against a trivial 200 server');
  run(tsx, [simulatorBench]);
}
const { endpoints, started } = await stackUp({ onProgress: (line) => console.log(`stack: ${line}`) });
try {
  console.log('# gateway vs bare node:http verify-only server, same payloads and load loop');
  run(process.execPath, ['services/gateway/bench/gateway-load.bench.mjs'], {
    ...process.env,
    ...stackEnv(endpoints),
  });
  console.log('# rebuild throughput per projection vs consume + decode only, 200k simulated records');
  run(tsx, ['packages/cli/bench/rebuild.bench.ts', process.env.REBUILD_BENCH_RECORDS ?? '200000'], {
    ...process.env,
    ...stackEnv(endpoints),
  });
  console.log('# query API latency over 1M calls: GET by id, filtered lists, keep-alive, 8 in flight');
  run(tsx, ['services/query-api/bench/query-latency.bench.ts'], { ...process.env, ...stackEnv(endpoints) });
  console.log('# analytics stream: typed exactly-once throughput vs raw consume-only, 50k simulated records');
  run(
    tsx,
    [
      'services/analytics-stream/bench/stream-throughput.bench.ts',
      process.env.STREAM_BENCH_RECORDS ?? '50000',
    ],
    {
      ...process.env,
      ...stackEnv(endpoints),
    },
  );
  console.log('# export of 1M calls to parquet, csv and jsonl: rows/s and peak RSS per format');
  run(tsx, ['packages/cli/bench/export.bench.ts', process.env.EXPORT_BENCH_CALLS ?? '1000000'], {
    ...process.env,
    ...stackEnv(endpoints),
  });
} finally {
  await stackDown({ services: started });
}
