#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';
import { parseBrokerCount } from './kafka-cluster.js';
import type { BrokerCount } from './kafka-cluster.js';
import { ALL_SERVICES } from './stack-config.js';
import type { ServiceName } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { stackReset } from './stack-reset.js';
import { stackDown, stackEnv, stackLogs, stackStatus, stackUp } from './stack.js';

const USAGE = `usage: npm run stack -- <command> [service...] [--brokers 1|3]
  up [service...]     start kafka, registry and postgres (or the named ones) on their kept data;
                      --brokers 3: Kafka as a 3-broker cluster (kept: later commands need no flag)
  down [service...]   stop what 'up' started; keeps all data (never touches a DATABASE_URL server)
  status              each service: up/down, pid, ports, log file
  logs [service]      the last lines of the logs
  reset [service...] [--yes]
                      DELETE the data of the named services (none named: the whole stack, with the
                      development credentials); lists what goes and asks first (--yes: do not ask)
services: ${ALL_SERVICES.join(', ')}
environment: KAFKA_PORT, KAFKA_CONTROLLER_PORT, SCHEMA_REGISTRY_PORT, SCHEMA_REGISTRY_MANAGEMENT_PORT,
  POSTGRES_PORT, DATABASE_URL, STACK_STATE_DIR, ALLO_CACHE_DIR, JAVA_HOME
  (3 brokers: node i on KAFKA_PORT+2(i-1), its controller on KAFKA_CONTROLLER_PORT+2(i-1))`;

class UsageError extends Error {
  override name = 'UsageError';
}

/** reset without --yes where no one can answer: refuse (exit code 2). */
class ConfirmationRequiredError extends Error {
  override name = 'ConfirmationRequiredError';
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

/** `--brokers <n>` / `--brokers=<n>` taken out of `args`; the rest are left for the command. */
function takeBrokers(args: string[]): { brokers: BrokerCount | undefined; rest: string[] } {
  const rest: string[] = [];
  let brokers: BrokerCount | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg !== '--brokers' && !arg.startsWith('--brokers=')) {
      rest.push(arg);
      continue;
    }
    const value = arg === '--brokers' ? args[(index += 1)] : arg.slice('--brokers='.length);
    if (value === undefined) throw new UsageError('--brokers needs a count: 1 or 3');
    brokers = parseBrokerCount(value, '--brokers');
  }
  return { brokers, rest };
}

async function up(services: ServiceName[] | undefined, brokers: BrokerCount | undefined): Promise<void> {
  const startedAt = Date.now();
  const result = await stackUp({ services, brokers, onProgress: print });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  print(
    `stack ready in ${seconds} s; started: ${result.started.join(', ') || 'none'}; ` +
      `already running: ${result.reused.join(', ') || 'none'}; external: ${result.external.join(', ') || 'none'}`,
  );
  for (const [name, value] of Object.entries(stackEnv(result.endpoints))) print(`export ${name}=${value}`);
}

async function down(services: ServiceName[] | undefined, brokers: BrokerCount | undefined): Promise<void> {
  const { stopped } = await stackDown({ services, brokers, onProgress: print });
  print(stopped.length > 0 ? `stopped: ${stopped.join(', ')}` : 'nothing to stop');
}

async function reset(args: string[], brokers: BrokerCount | undefined): Promise<void> {
  const yes = args.includes('--yes');
  const services = parseServices(args.filter((arg) => arg !== '--yes'));
  const result = await stackReset({
    services,
    brokers,
    onProgress: print,
    confirm: (listing) => confirmReset(listing, yes),
  });
  if (result.outcome === 'nothing-to-delete') print(result.listing);
  else if (result.outcome === 'declined') print('reset cancelled: nothing was stopped or deleted');
  else
    print(
      `reset done; stopped: ${result.stopped.join(', ') || 'none'}; deleted ${result.deleted.length} item(s)`,
    );
}

/** Prints the listing; yes with --yes, else asks y/N on a terminal (default no), else refuses. */
async function confirmReset(listing: string, yes: boolean): Promise<boolean> {
  print(listing);
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new ConfirmationRequiredError(
      'stack reset: nothing deleted: there is no terminal to confirm on. Pass --yes to delete what is listed above.',
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const cancel = new AbortController();
  prompt.on('SIGINT', () => cancel.abort());
  try {
    const answer = await prompt.question('Delete all of this? [y/N] ', { signal: cancel.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    prompt.close();
  }
}

async function status(brokers: BrokerCount | undefined): Promise<void> {
  for (const entry of await stackStatus({ brokers })) {
    const ports = Object.entries(entry.ports)
      .map(([name, port]) => `${name}=${port}`)
      .join(' ');
    const pid = entry.pid === undefined ? '-' : String(entry.pid);
    const name = entry.node === undefined ? entry.service : `${entry.service}-${entry.node}`;
    print(`${name.padEnd(9)} ${entry.state.padEnd(8)} pid ${pid.padEnd(8)} ${ports}  log ${entry.logFile}`);
  }
}

function logs(services: ServiceName[] | undefined, brokers: BrokerCount | undefined): void {
  for (const { service, node, logFile, tail } of stackLogs({ services, brokers })) {
    print(`==> ${node === undefined ? service : `${service}-${node}`}: ${logFile} <==`);
    print(tail);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  const { brokers, rest } = takeBrokers(args);
  switch (command) {
    case 'up':
      return up(parseServices(rest), brokers);
    case 'down':
      return down(parseServices(rest), brokers);
    case 'status':
      return status(brokers);
    case 'logs':
      return logs(parseServices(rest), brokers);
    case 'reset':
      return reset(rest, brokers);
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof ConfirmationRequiredError) {
    process.stderr.write(`${error.message}\n`);
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
