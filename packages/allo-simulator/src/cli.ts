#!/usr/bin/env node
// Entry point of `npm run simulate -- …`: only wires process I/O, signals and the local stack's
// development secret to runCli.
import { keptDevelopmentWebhookSecret, readStackConfig } from '@allo-pipeline/infra';
import { runCli } from './run-cli.js';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C leaves at once; the first lets a stream print its totals.
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  });
}

// Run by a supervisor (`npm start -- --demo`): it is ready as soon as it runs, and stops when the
// supervisor goes away (the IPC channel closes).
if (process.send) {
  process.send({ type: 'ready' });
  process.on('disconnect', () => stop.abort());
}

runCli(
  process.argv.slice(2),
  process.env,
  { stdout: process.stdout, stderr: process.stderr },
  {
    developmentSecret: () => keptDevelopmentWebhookSecret(readStackConfig().stateDir),
    stop: stop.signal,
  },
).then(
  (code) => {
    // A stopped stream abandons its pending retries; nothing else should keep the process alive.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`allo-simulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
