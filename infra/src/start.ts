#!/usr/bin/env node
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { stackEnv, stackUp } from './stack.js';

// `npm start`: brings the local stack up (or reuses it), then runs every built service
// (services/<name>/dist/main.js) with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL set.
// Ctrl-C stops the services; the stack stays up for the next start (`npm run stack -- down`).

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function builtServices(root: string): Array<{ name: string; main: string }> {
  const servicesDir = join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir)
    .map((name) => ({ name, main: join(servicesDir, name, 'dist', 'main.js') }))
    .filter(({ main }) => existsSync(main));
}

function runService(name: string, main: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => print(`[${name}] ${line}`));
  }
  child.on('exit', (code, signal) => print(`[${name}] exited (${signal ?? `code ${code}`})`));
  return child;
}

async function main(): Promise<void> {
  const { endpoints } = await stackUp({ onProgress: (line) => print(`stack: ${line}`) });
  const env = { ...process.env, ...stackEnv(endpoints) };
  const services = builtServices(repoRoot());
  if (services.length === 0) {
    print('stack is up; no built service found under services/*/dist/main.js (run npm run build)');
    return;
  }
  const children = services.map(({ name, main }) => runService(name, main, env));
  const stopAll = (signal: NodeJS.Signals): void => {
    for (const child of children) child.kill(signal);
  };
  process.once('SIGINT', () => stopAll('SIGTERM'));
  process.once('SIGTERM', () => stopAll('SIGTERM'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof StackError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`start: ${message}\n`);
  process.exitCode = 1;
});
