#!/usr/bin/env node
import { pino } from 'pino';
import { readStackConfig, stackEndpoints } from '@allo-pipeline/infra';
import { startupLogLevel } from '@allo-pipeline/service-config';
import { CliEnvError, readCliEnv, type LocalStack } from './cli-env.js';
import { parseCommand, UsageError, USAGE } from './parse-command.js';
import { RebuildInProgressError } from './rebuild-projection.js';
import { runAlloCommand } from './allo-run-command.js';
import { runCommand } from './run-command.js';

// Wiring only: argv and env in, exit code out. Logs go to stderr so stdout stays parseable.
const logger = pino({ name: 'allo-cli', level: startupLogLevel(process.env, 'warn') }, pino.destination(2));
let exitCode: number;

/** The endpoints of the local stack (STACK_STATE_DIR, or the default state folder), as npm start sets them. */
function localStack(): LocalStack {
  const config = readStackConfig();
  return { stateDir: config.stateDir, ...stackEndpoints(config) };
}

try {
  const command = parseCommand(process.argv.slice(2));
  if (command.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    exitCode = 0;
  } else if (command.name === 'allo') {
    const io = { out: (text: string) => process.stdout.write(`${text}\n`), stderr: process.stderr, logger };
    exitCode = await runAlloCommand(
      command.command,
      { env: process.env, stateDir: () => localStack().stateDir },
      io,
    );
  } else {
    exitCode = await runCommand(command, readCliEnv(process.env, localStack), {
      out: (text) => process.stdout.write(`${text}\n`),
      stderr: process.stderr,
      logger,
    });
  }
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
    exitCode = 2;
  } else if (error instanceof CliEnvError) {
    process.stderr.write(`error: ${error.message}\n`);
    exitCode = 2;
  } else if (error instanceof RebuildInProgressError) {
    process.stderr.write(`error: ${error.message}\n`);
    exitCode = 1;
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    logger.debug({ err: error }, 'command failed');
    exitCode = 1;
  }
}
process.exit(exitCode);
