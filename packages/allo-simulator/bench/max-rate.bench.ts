// Max delivery rate: 20,000 simulated events POSTed at full concurrency to a trivial receiver that
// answers 200 (in a child process, so it does not share the sender's event loop). Prints one JSON line.
// Run: npx tsx packages/allo-simulator/bench/max-rate.bench.ts [events] [concurrency]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { generateSecret, parseSecret } from '@allo-pipeline/webhook-signature';
import { deliverEvents, generateHistory } from '../src/index.js';

const RECEIVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end(); }); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function main(): Promise<void> {
  const eventCount = Number(process.argv[2] ?? 20_000);
  const concurrency = Number(process.argv[3] ?? 64);
  const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = (await once(receiver.stdout, 'data')) as [Buffer];
  try {
    // About 1.07 events per requested event at these ratios; the surplus is cut off.
    const history = { calls: Math.ceil(eventCount / 5), smsConversations: Math.ceil(eventCount / 10) };
    const events = generateHistory({ seed: 1, ...history, contacts: Math.ceil(eventCount / 20) });
    if (events.length < eventCount) throw new Error(`generated only ${events.length} events`);
    const batch = events.slice(0, eventCount);
    const secret = parseSecret(generateSecret(), 'bench');
    const url = `http://127.0.0.1:${port.toString().trim()}/webhooks/allo`;
    const report = await deliverEvents(batch, { url, secret, concurrency, timeoutMs: 20_000 });
    const result = {
      bench: 'allo-simulator/max-rate',
      events: batch.length,
      concurrency,
      acknowledged: report.acknowledged,
      failed: report.failed,
      elapsedMs: Math.round(report.elapsedMs),
      deliveriesPerSecond: Math.round(report.deliveriesPerSecond),
      meanBodyBytes: Math.round(batch.reduce((sum, e) => sum + Buffer.byteLength(e.body), 0) / batch.length),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    receiver.kill();
  }
}

await main();
