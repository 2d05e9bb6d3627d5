#!/usr/bin/env node
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readStackConfig, repoRoot, type ServiceName } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { stackDown, stackEnv, stackUp } from './stack.js';

// `npm start`: brings the local stack up (or reuses a running one), runs every built service
// (services/<name>/dist/main.js) with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL set,
// prints what runs where, and on Ctrl-C / SIGTERM stops the services, then the stack servers
// this run started. A stack that was already up before `npm start` stays up.

const SHUTDOWN_GRACE_MS = 20_000;

/** What `npm start` prints for the services it knows; others are listed by name. */
const DESCRIPTIONS: Record<string, (env: NodeJS.ProcessEnv) => string> = {
  gateway: (env) => `POST http://127.0.0.1:${env.GATEWAY_PORT ?? 8080}/webhooks/allo`,
  'projector-calls': (env) =>
    `calls read model, http://127.0.0.1:${env.PROJECTOR_CALLS_PORT ?? 8101}/metrics`,
  'projector-messages': (env) =>
    `messages read model, http://127.0.0.1:${env.PROJECTOR_MESSAGES_PORT ?? 8102}/metrics`,
  'projector-contacts': (env) =>
    `contacts read model, http://127.0.0.1:${env.PROJECTOR_CONTACTS_PORT ?? 8103}/metrics`,
  'query-api': (env) => `dashboard http://127.0.0.1:${env.API_PORT ?? 8090}/ and API /v1`,
};

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

/** A development secret generated once and kept (mode 600) in the state folder. */
function developmentSecret(stateDir: string): { secret: string; file: string; generated: boolean } {
  const file = join(stateDir, 'dev-webhook-secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), file, generated: false };
  mkdirSync(stateDir, { recursive: true });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file, generated: true };
}

/** The environment shared by every service, with a development secret when none is configured. */
function serviceEnvironment(stateDir: string, endpoints: Parameters<typeof stackEnv>[0]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...stackEnv(endpoints) };
  if (env.ALLO_WEBHOOK_SECRET || env.ALLO_SOURCES || env.ALLO_SOURCES_FILE) return env;
  const { secret, file, generated } = developmentSecret(stateDir);
  env.ALLO_WEBHOOK_SECRET = secret;
  print(
    generated
      ? `\nNo ALLO_WEBHOOK_SECRET set: generated a development secret (kept in ${file}):\n  ALLO_WEBHOOK_SECRET=${secret}`
      : `\nNo ALLO_WEBHOOK_SECRET set: using the development secret kept in ${file}`,
  );
  return env;
}

function runService(name: string, main: string, env: NodeJS.ProcessEnv): ChildProcess {
  // Own process group: Ctrl-C reaches only this supervisor, which stops services before the stack.
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => print(`[${name}] ${line}`));
  }
  return child;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = readStackConfig();
  const stack = await stackUp({ onProgress: (line) => print(`stack: ${line}`) });
  const env = serviceEnvironment(config.stateDir, stack.endpoints);
  const services = builtServices(repoRoot());
  const children = new Map(services.map(({ name, main }) => [name, runService(name, main, env)]));
  print(`\nallo-pipeline is up (${((Date.now() - startedAt) / 1000).toFixed(1)} s):`);
  print(`  kafka               ${stack.endpoints.kafkaBrokers}`);
  print(`  schema registry     ${stack.endpoints.schemaRegistryUrl}`);
  print(`  postgres            ${stack.endpoints.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  for (const { name } of services) print(`  ${name.padEnd(19)} ${DESCRIPTIONS[name]?.(env) ?? 'running'}`);
  print('Send simulated Allo traffic: npm run simulate -- --calls 20 --sms 20 --contacts 5. Stop: Ctrl-C.\n');
  supervise(children, stack.started);
}

/** Stops everything on Ctrl-C / SIGTERM, or when a service dies (exit code 1). */
function supervise(children: Map<string, ChildProcess>, startedServers: ServiceName[]): void {
  let stopping = false;
  const stop = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    print(`\nallo-pipeline: stopping (${reason})`);
    await Promise.all([...children.values()].map((child) => stopChild(child)));
    const { stopped } = await stackDown({ services: startedServers });
    print(`allo-pipeline: services stopped; stack servers stopped: ${stopped.join(', ') || 'none'}`);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal, 0));
  for (const [name, child] of children) {
    child.on('exit', (code, signal) => void stop(`${name} exited (${signal ?? `code ${code}`})`, 1));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

main().catch((error: unknown) => {
  const message =
    error instanceof StackError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`allo-pipeline: ${message}\n`);
  process.exit(1);
});
