import { parseArgs } from 'node:util';
import { chooseConsoleFormat, type ConsoleFormat } from './console-format.js';
import { StackConfigError } from './stack-errors.js';

// What `npm start [-- --demo [--demo-rate <n>]]` was asked, from its arguments and environment
// (DEMO=1, DEMO_RATE, LOG_FORMAT). Parsed once; a bad value is a StackConfigError naming it.

export interface StartOptions {
  /** Send a continuous simulated stream once the pipeline is up. */
  readonly demo: boolean;
  /** The demo's new events per second. */
  readonly demoRate: number;
  readonly consoleFormat: ConsoleFormat;
}

export const DEFAULT_DEMO_RATE = 3;
const MAX_DEMO_RATE = 1_000;

export function parseStartOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  isTerminal: boolean,
): StartOptions {
  let values: { demo?: boolean; 'demo-rate'?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { demo: { type: 'boolean' }, 'demo-rate': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new StackConfigError(
      `npm start: ${(error as Error).message} (known: --demo, --demo-rate <events/s>)`,
    );
  }
  const demoFlag = values.demo === true || values['demo-rate'] !== undefined;
  return {
    demo: demoFlag || isOn(env, 'DEMO'),
    demoRate:
      readRate(values['demo-rate'], '--demo-rate') ??
      readRate(env.DEMO_RATE, 'DEMO_RATE') ??
      DEFAULT_DEMO_RATE,
    consoleFormat: chooseConsoleFormat(env, isTerminal),
  };
}

function isOn(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new StackConfigError(`${name}=${env[name]} is not a switch: use 1 or 0`);
}

function readRate(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_DEMO_RATE) {
    throw new StackConfigError(
      `${name}=${raw} is not a rate: give events per second, above 0 and at most ${MAX_DEMO_RATE}`,
    );
  }
  return rate;
}
