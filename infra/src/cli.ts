#!/usr/bin/env node
import { ALL_SERVICES } from './stack-config.js';
import type { ServiceName } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { stackDown, stackEnv, stackLogs, stackStatus, stackUp } from './stack.js';

const USAGE = `usage: npm run stack -- <command> [service...]
  up [service...]     start kafka, registry and postgres (or the named ones) unless running
  down [service...]   stop what 'up' started (never an external DATABASE_URL server)
  status              each service: up/down, pid, ports, log file
  logs [service]      the last lines of the logs
services: ${ALL_SERVICES.join(', ')}
environment: KAFKA_PORT, KAFKA_CONTROLLER_PORT, SCHEMA_REGISTRY_PORT, SCHEMA_REGISTRY_MANAGEMENT_PORT,
  POSTGRES_PORT, DATABASE_URL, STACK_STATE_DIR, ALLO_CACHE_DIR, JAVA_HOME`;

class UsageError extends Error {
  override name = 'UsageError';
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parseServices(names: string[]): ServiceName[] | undefined {
  if (names.length === 0) return undefined;
  const unknown = names.filter((name) => !ALL_SERVICES.includes(name as ServiceName));
  if (unknown.length > 0) throw new UsageError(`unknown service: ${unknown.join(', ')}`);
  return names as ServiceName[];
}

async function up(services: ServiceName[] | undefined): Promise<void> {
  const startedAt = Date.now();
  const result = await stackUp({ services, onProgress: print });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  print(
    `stack ready in ${seconds} s; started: ${result.started.join(', ') || 'none'}; ` +
      `already running: ${result.reused.join(', ') || 'none'}; external: ${result.external.join(', ') || 'none'}`,
  );
  for (const [name, value] of Object.entries(stackEnv(result.endpoints))) print(`export ${name}=${value}`);
}

async function down(services: ServiceName[] | undefined): Promise<void> {
  const { stopped } = await stackDown({ services, onProgress: print });
  print(stopped.length > 0 ? `stopped: ${stopped.join(', ')}` : 'nothing to stop');
}

async function status(): Promise<void> {
  for (const entry of await stackStatus()) {
    const ports = Object.entries(entry.ports)
      .map(([name, port]) => `${name}=${port}`)
      .join(' ');
    const pid = entry.pid === undefined ? '-' : String(entry.pid);
    print(
      `${entry.service.padEnd(9)} ${entry.state.padEnd(8)} pid ${pid.padEnd(8)} ${ports}  log ${entry.logFile}`,
    );
  }
}

function logs(services: ServiceName[] | undefined): void {
  for (const { service, logFile, tail } of stackLogs({ services })) {
    print(`==> ${service}: ${logFile} <==`);
    print(tail);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return up(parseServices(rest));
    case 'down':
      return down(parseServices(rest));
    case 'status':
      return status();
    case 'logs':
      return logs(parseServices(rest));
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof StackError) {
    process.stderr.write(`stack: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(
      `stack: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
});
