// Simulator's maximum delivery rate against a trivial local server that answers 200.
// Run: npx tsx packages/allo-simulator/bench/max-rate.bench.ts (or `npm run bench`).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSecret, parseSecret } from '@allo-pipeline/webhook-signature';
import { deliverEvents, generateHistory } from '../src/index.js';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200).end());
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const events = generateHistory({ seed: 7, calls: 3000, smsConversations: 1500, contacts: 500 });
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const started = Date.now();
const report = await deliverEvents(events, {
  url: `http://127.0.0.1:${port}/webhooks/allo`,
  secret: parseSecret(generateSecret(), 'bench'),
  concurrency,
});
const seconds = (Date.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ bench: 'simulator max delivery rate', events: events.length, concurrency, seconds, deliveriesPerSecond: Math.round(events.length / seconds), report })}\n`,
);
server.close();
