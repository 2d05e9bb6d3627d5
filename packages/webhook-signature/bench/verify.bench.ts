// Verifications per second: ours vs the official `standardwebhooks` package, same ~1 KiB payload,
// same secret, both with a valid signature at the current time. Not a jest test; run with
// `npx tsx packages/webhook-signature/bench/verify.bench.ts` (or `npm run bench` in this package).
// Prints one JSON line. Rounds alternate between the two so drift in machine load hits both.
import { Webhook } from 'standardwebhooks';
import { generateSecret, parseSecret, signWebhook, verifyWebhook } from '../src/index.js';

const ROUNDS = 5;
const ROUND_MS = 400;

const payload = Buffer.from(
  JSON.stringify({
    topic: 'call.completed',
    version: '2.0',
    timestamp: '2026-02-03T09:19:47.332Z',
    data: { id: 'cll_3VfPq8LmZ2cX7wNt5RbJ', summary: 'x'.repeat(858), tags: ['pricing', 'follow-up'] },
  }),
);
const secretText = generateSecret();
const secrets = [parseSecret(secretText, 'BENCH_SECRET')];
const timestamp = Math.floor(Date.now() / 1000);
const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const headers = {
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signWebhook({ id, timestamp, body: payload, secret: secrets[0]! }),
};
const library = new Webhook(secretText);

function verifyOurs(): void {
  if (!verifyWebhook({ body: payload, headers, secrets, now: Date.now }).ok) throw new Error('ours rejected');
}

function verifyTheirs(): void {
  library.verify(payload, headers, { jsonParse: false }); // throws on failure
}

function verifyTheirsParsing(): void {
  library.verify(payload, headers); // the default also JSON.parses the body
}

/** Verifications per second over one round of ROUND_MS. */
function measure(verify: () => void): number {
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(ROUND_MS) * 1_000_000n;
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 200; i++) verify();
    count += 200;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - started) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const runs = {
  ours: [] as number[],
  standardwebhooks: [] as number[],
  standardwebhooksJsonParse: [] as number[],
};
for (const verify of [verifyOurs, verifyTheirs, verifyTheirsParsing]) measure(verify); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  runs.ours.push(measure(verifyOurs));
  runs.standardwebhooks.push(measure(verifyTheirs));
  runs.standardwebhooksJsonParse.push(measure(verifyTheirsParsing));
}
const ours = median(runs.ours);
const theirs = median(runs.standardwebhooks);
process.stdout.write(
  `${JSON.stringify({
    payloadBytes: payload.length,
    oursPerSecond: Math.round(ours),
    standardwebhooksPerSecond: Math.round(theirs),
    ratio: Number((ours / theirs).toFixed(2)),
    standardwebhooksWithJsonParsePerSecond: Math.round(median(runs.standardwebhooksJsonParse)),
    node: process.version,
  })}\n`,
);
