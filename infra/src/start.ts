#!/usr/bin/env node
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  developmentApiToken,
  developmentWebhookSecret,
  type DevelopmentCredential,
} from './dev-credentials.js';
import { readStackConfig, repoRoot } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { stackDown, stackEnv, stackUp, type StackUpResult } from './stack.js';
import { runSupervised } from './supervised-run.js';
import type { ServiceSpec } from './supervisor.js';

// `npm start`: brings the local stack up (or reuses a running one), runs every built service
// (services/<name>/dist/main.js) with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL set
// (plus development credentials for what is not configured), prints what runs where, and
// supervises them (supervised-run.ts, supervisor.ts): a service that exits is restarted alone,
// with backoff; Ctrl-C / SIGTERM / SIGHUP stop the gateway, then the other services, then the
// stack servers this run started. A stack that was already up before `npm start` stays up.

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

/**
 * The environment shared by every service, with development credentials (kept in the state
 * folder) for what is not configured: the webhook secret and the query API's tokens.
 */
function serviceEnvironment(
  stateDir: string,
  endpoints: Parameters<typeof stackEnv>[0],
): { env: NodeJS.ProcessEnv; devApiToken: DevelopmentCredential | undefined } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...stackEnv(endpoints) };
  if (!env.ALLO_WEBHOOK_SECRET && !env.ALLO_SOURCES && !env.ALLO_SOURCES_FILE) {
    const { value, file, generated } = developmentWebhookSecret(stateDir);
    env.ALLO_WEBHOOK_SECRET = value;
    print(
      generated
        ? `\nNo ALLO_WEBHOOK_SECRET set: generated a development secret (kept in ${file}):\n  ALLO_WEBHOOK_SECRET=${value}`
        : `\nNo ALLO_WEBHOOK_SECRET set: using the development secret kept in ${file}`,
    );
  }
  if (env.API_TOKENS?.trim()) return { env, devApiToken: undefined };
  const devApiToken = developmentApiToken(stateDir);
  env.API_TOKENS = devApiToken.value;
  const how = devApiToken.generated ? 'generated' : 'using';
  print(`No API_TOKENS set: ${how} a development API token (kept in ${devApiToken.file})`);
  return { env, devApiToken };
}

/** The dashboard's address and how to sign in, when the query API runs. */
function printDashboard(env: NodeJS.ProcessEnv, devApiToken: DevelopmentCredential | undefined): void {
  print(`\nDashboard: http://127.0.0.1:${env.API_PORT ?? 8090}/`);
  print(
    devApiToken
      ? `API token (development, kept in ${devApiToken.file}; the dashboard asks for it once):\n  ${devApiToken.value}`
      : 'API token: one of those in API_TOKENS (the dashboard asks for it once)',
  );
}

async function main(): Promise<void> {
  // A closed terminal must not crash the supervisor halfway through its stop.
  process.stdout.on('error', () => undefined);
  const startedAt = Date.now();
  const config = readStackConfig();
  const code = await runSupervised({
    stateDir: config.stateDir,
    print,
    stackUp: () => stackUp({ onProgress: (line) => print(`stack: ${line}`) }),
    stackDown: async (started) => (await stackDown({ services: started })).stopped,
    services: (stack) => servicesOnStack(config.stateDir, stack, startedAt),
  });
  process.exit(code);
}

/** The services to run on the stack that is up, once what runs where is printed. */
function servicesOnStack(stateDir: string, stack: StackUpResult, startedAt: number): ServiceSpec[] {
  const { env, devApiToken } = serviceEnvironment(stateDir, stack.endpoints);
  const services = builtServices(repoRoot());
  print(`\nallo-pipeline is up (${((Date.now() - startedAt) / 1000).toFixed(1)} s):`);
  print(`  kafka               ${stack.endpoints.kafkaBrokers}`);
  print(`  schema registry     ${stack.endpoints.schemaRegistryUrl}`);
  print(`  postgres            ${stack.endpoints.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  for (const { name } of services) print(`  ${name.padEnd(19)} ${DESCRIPTIONS[name]?.(env) ?? 'running'}`);
  if (services.some(({ name }) => name === 'query-api')) printDashboard(env, devApiToken);
  print('Send simulated Allo traffic: npm run simulate -- --calls 20 --sms 20 --contacts 5. Stop: Ctrl-C.\n');
  return services.map(({ name, main }) => ({ name, main, env }));
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
