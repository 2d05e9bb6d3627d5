import { prettyFactory } from 'pino-pretty';
import { StackConfigError } from './stack-errors.js';

// How `npm start` shows its services' log lines. The services always log pino JSON; the
// supervisor decides how it looks: on a terminal one short coloured line per event, prefixed by
// the service (pino-pretty), otherwise the JSON lines unchanged so that log shippers can read
// them. LOG_FORMAT=pretty|json forces either. A line that is not pino JSON (a stack trace
// printed before the logger existed) is shown as it is, prefixed by the service.

export type ConsoleFormat = 'pretty' | 'json';

/** LOG_FORMAT if set (pretty or json), else pretty on a terminal and json otherwise. */
export function chooseConsoleFormat(env: NodeJS.ProcessEnv, isTerminal: boolean): ConsoleFormat {
  const forced = env.LOG_FORMAT?.trim().toLowerCase();
  if (!forced) return isTerminal ? 'pretty' : 'json';
  if (forced === 'pretty' || forced === 'json') return forced;
  throw new StackConfigError(`LOG_FORMAT=${env.LOG_FORMAT} is not a console format: use pretty or json`);
}

/** Formats one output line of a service for the console. */
export type ServiceLineFormatter = (service: string, line: string) => string;

const SERVICE_COLOURS = [36, 35, 33, 34, 32, 96, 95, 93];
const NAME_WIDTH = 18;

export function serviceLineFormatter(format: ConsoleFormat, colour: boolean): ServiceLineFormatter {
  if (format === 'json') return (service, line) => (isJsonObject(line) ? line : `[${service}] ${line}`);
  const pretty = prettyFactory({
    colorize: colour,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name',
    singleLine: true,
    // pino-pretty prints error objects over several lines even then; one line per event.
    errorLikeObjectKeys: [],
  });
  const prefixes = new Map<string, string>();
  const prefix = (service: string): string => {
    let known = prefixes.get(service);
    if (known === undefined) {
      const padded = service.padEnd(NAME_WIDTH);
      const code = SERVICE_COLOURS[prefixes.size % SERVICE_COLOURS.length];
      known = colour ? `\u001b[${code}m${padded}\u001b[39m` : padded;
      prefixes.set(service, known);
    }
    return known;
  };
  return (service, line) => {
    if (!isJsonObject(line)) return `${prefix(service)} ${line}`;
    return `${prefix(service)} ${pretty(line).trimEnd()}`;
  };
}

function isJsonObject(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}
