#!/usr/bin/env node
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serviceLineFormatter } from './console-format.js';
import { demoService, describeDemo } from './demo-traffic.js';
import type { DevelopmentCredential } from './dev-credentials.js';
import { httpReadinessProbe, serviceUrl, waitUntilReady } from './readiness-wait.js';
import { RecentOutput } from './service-process.js';
import { serviceEnvironment } from './service-environment.js';
import { readStackConfig, repoRoot } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { stackDown, stackEnv, stackTopicEnv, stackUp } from './stack.js';
import { parseStartOptions, type StartOptions } from './start-options.js';
import { runSupervised } from './supervised-run.js';
import type { Supervisor } from './supervisor.js';

// `npm start [-- --demo]`: brings the local stack up (or reuses a running one), runs every built
// service (services/<name>/dist/main.js) with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and
// DATABASE_URL set (plus development credentials for what is not configured), and supervises
// them (supervised-run.ts, supervisor.ts): a service that exits is restarted alone, with backoff;
// Ctrl-C / SIGTERM / SIGHUP stop the gateway (and the demo), then the other services, then the
// stack servers this run started. A stack that was already up before `npm start` stays up.
// "Up" is printed once every service answers /readyz (readiness-wait.ts); the demo's traffic
// starts only then.

/** What `npm start` prints for the services it knows; others are listed by name. */
const DESCRIPTIONS: Record<string, (env: NodeJS.ProcessEnv) => string> = {
  gateway: (env) => `POST ${serviceUrl('gateway', env)}/webhooks/allo`,
  'projector-calls': (env) => `calls read model, ${serviceUrl('projector-calls', env)}/metrics`,
  'projector-messages': (env) => `messages read model, ${serviceUrl('projector-messages', env)}/metrics`,
  'projector-contacts': (env) => `contacts read model, ${serviceUrl('projector-contacts', env)}/metrics`,
  'analytics-stream': (env) => `typed Avro topics allo.*.v1, ${serviceUrl('analytics-stream', env)}/metrics`,
  'query-api': (env) => `dashboard ${serviceUrl('query-api', env)}/ and API /v1`,
};

/** A service not ready after this long is named, with why. */
const LATE_AFTER_MS = 60_000;

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

async function main(): Promise<void> {
  // A closed terminal must not crash the supervisor halfway through its stop.
  process.stdout.on('error', () => undefined);
  const startedAt = Date.now();
  const options = parseStartOptions(process.argv.slice(2), process.env, process.stdout.isTTY === true);
  const config = readStackConfig();
  const recent = new RecentOutput();
  let run: { env: NodeJS.ProcessEnv; devApiToken: DevelopmentCredential | undefined; names: string[] };
  const code = await runSupervised({
    stateDir: config.stateDir,
    print,
    format: serviceLineFormatter(options.consoleFormat, process.stdout.hasColors?.() === true),
    recent,
    tuning: { stopFirst: ['demo', 'gateway'] },
    stackUp: () => stackUp({ onProgress: (line) => print(`stack: ${line}`) }),
    stackDown: async (started) => (await stackDown({ services: started })).stopped,
    services: (stack) => {
      // A cluster's raw topic is replicated (RAW_TOPIC_REPLICATION_FACTOR=3) unless the user says otherwise.
      const endpoints = { ...stackEnv(stack.endpoints), ...stackTopicEnv(config, process.env) };
      const { env, devApiToken } = serviceEnvironment(config.stateDir, endpoints, print);
      const services = builtServices(repoRoot());
      run = { env, devApiToken, names: services.map(({ name }) => name) };
      print(`\nstack ready (${seconds(startedAt)}); starting ${services.map(({ name }) => name).join(', ')}`);
      return services.map(({ name, main }) => ({ name, main, env }));
    },
    afterStart: (supervisor, stopping) => {
      void announceWhenReady({ supervisor, stopping, options, recent, startedAt, ...run });
    },
  });
  process.exit(code);
}

interface ReadyContext {
  readonly supervisor: Supervisor;
  readonly stopping: AbortSignal;
  readonly options: StartOptions;
  readonly recent: RecentOutput;
  readonly startedAt: number;
  readonly env: NodeJS.ProcessEnv;
  readonly devApiToken: DevelopmentCredential | undefined;
  readonly names: readonly string[];
}

/** Waits for every /readyz, prints "up" and what runs where, then starts the demo if asked. */
async function announceWhenReady(context: ReadyContext): Promise<void> {
  const { env, names } = context;
  const ready = await waitUntilReady({
    services: names,
    probe: httpReadinessProbe(env),
    lateAfterMs: LATE_AFTER_MS,
    signal: context.stopping,
    onLate: (name, detail) => {
      const lines = context.recent.of(name);
      print(
        `\nallo-pipeline: ${name} is not ready after ${LATE_AFTER_MS / 1000} s; ${detail}\n` +
          `  its last ${lines.length} log lines:\n${lines.map((line) => `    ${line}`).join('\n')}\n` +
          '  (still waiting; "up" follows once it is ready)',
      );
    },
  });
  if (!ready) return;
  printUp(context);
  if (!context.options.demo) return;
  const demo = demoService(env, context.options.demoRate, repoRoot());
  if (demo.kind === 'unavailable') return print(`allo-pipeline: no demo: ${demo.reason}`);
  print(describeDemo(context.options.demoRate));
  context.supervisor.add(demo.spec);
}

function printUp({ env, names, devApiToken, startedAt }: ReadyContext): void {
  print(`\nallo-pipeline is up (${seconds(startedAt)}): every service answers /readyz`);
  print(`  kafka               ${env.KAFKA_BROKERS}`);
  print(`  schema registry     ${env.SCHEMA_REGISTRY_URL}`);
  print(`  postgres            ${(env.DATABASE_URL ?? '').replace(/:[^:@/]*@/, ':***@')}`);
  for (const name of names) print(`  ${name.padEnd(19)} ${DESCRIPTIONS[name]?.(env) ?? 'running'}`);
  if (names.includes('query-api')) {
    print(`\nDashboard: ${serviceUrl('query-api', env)}/`);
    print(
      devApiToken
        ? `API token (development, kept in ${devApiToken.file}; the dashboard asks for it once):\n  ${devApiToken.value}`
        : 'API token: one of those in API_TOKENS (the dashboard asks for it once)',
    );
  }
  print(
    '\nSend simulated Allo traffic: npm run simulate -- --calls 20 --sms 20 --contacts 5' +
      ' (or a continuous stream: npm start -- --demo). Stop: Ctrl-C.\n',
  );
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
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
