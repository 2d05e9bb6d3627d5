import { createInterface } from 'node:readline/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AlloApiClient } from './allo-api-client.js';
import { AlloApiError } from './allo-api-error.js';
import { ALLO_USAGE, type AlloCommand } from './allo-command.js';
import { connectSource } from './allo-connect.js';
import { AlloCommandError, type AlloDeps } from './allo-deps.js';
import { disconnectSource } from './allo-disconnect.js';
import { AlloEnvError, readAlloEnv } from './allo-env.js';
import { readGatewayStatus } from './allo-gateway-status.js';
import { rotateSource } from './allo-rotate.js';
import { SourcesFileError } from './allo-sources-file.js';
import { alloStatus } from './allo-status.js';

export interface AlloIo {
  readonly out: (text: string) => void;
  readonly stderr: { write(text: string): unknown };
  readonly logger: Logger;
  /** Where `disconnect` asks for confirmation when it is a terminal; default process.stdin. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

export interface AlloRunOptions {
  readonly env: NodeJS.ProcessEnv;
  /** The stack's state folder (where the sources file lives unless ALLO_SOURCES_FILE says). */
  readonly stateDir: () => string;
  /** For tests: poll faster and shorten waits. */
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs one `allo` command; resolves with the exit code: 0 done, 1 failed or pending (the message
 * on stderr names the cause, Allo's code and request id; never the key or a secret), 2 bad setup.
 */
export async function runAlloCommand(
  command: AlloCommand,
  options: AlloRunOptions,
  io: AlloIo,
): Promise<number> {
  if (command.kind === 'help') {
    io.out(ALLO_USAGE);
    return 0;
  }
  try {
    const env = readAlloEnv(options.env, options.stateDir);
    const sleep = options.sleep ?? ((ms: number) => delay(ms));
    const deps: AlloDeps = {
      api: new AlloApiClient({ baseUrl: env.apiUrl, apiKey: env.apiKey(), logger: io.logger, sleep }),
      env,
      gatewayStatus: () => readGatewayStatus(env.gatewayUrl),
      out: io.out,
      now: Date.now,
      sleep,
      pollIntervalMs: options.pollIntervalMs,
    };
    switch (command.kind) {
      case 'connect':
        return await connectSource(deps, command);
      case 'status':
        return await alloStatus(deps, command);
      case 'rotate':
        return await rotateSource(deps, command);
      case 'disconnect':
        return await disconnectSource(deps, {
          source: command.source,
          confirm: (question) =>
            command.yes ? Promise.resolve(true) : askOnTerminal(io.stdin ?? process.stdin, question),
        });
    }
  } catch (error) {
    if (error instanceof AlloEnvError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (
      error instanceof AlloCommandError ||
      error instanceof AlloApiError ||
      error instanceof SourcesFileError
    ) {
      io.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function askOnTerminal(
  stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean },
  question: string,
): Promise<boolean> {
  if (!stdin.isTTY)
    throw new AlloCommandError('no terminal to confirm on: run again with --yes to delete without asking');
  const terminal = createInterface({ input: stdin, output: process.stderr });
  try {
    const answer = await terminal.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}
