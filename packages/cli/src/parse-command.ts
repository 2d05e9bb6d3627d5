import { parseOffsetStart, type OffsetStart } from '@allo-pipeline/projection-runtime';
import { isProjectionName, PROJECTION_NAMES, type ProjectionName } from '@allo-pipeline/read-models';
import { parseAlloCommand, type AlloCommand } from './allo-command.js';
import { EXPORT_USAGE, ExportUsageError, parseExportCommand, type ExportCommand } from './export-command.js';

export type Command =
  | { name: 'help' }
  | { name: 'status'; json: boolean }
  | {
      name: 'rebuild';
      projection: ProjectionName;
      from: Date | undefined;
      inPlace: boolean;
      allowTruncatedLog: boolean;
    }
  | { name: 'reset-offsets'; projection: ProjectionName; to: OffsetStart }
  | { name: 'dlq-list'; projection: ProjectionName | undefined; limit: number }
  | {
      name: 'dlq-replay';
      projection: ProjectionName | undefined;
      selection: { kind: 'id'; id: string } | { kind: 'all' };
    }
  | { name: 'allo'; command: AlloCommand }
  | ExportCommand;

/** A bad command line; main prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: npm run cli -- <command>

  status [--json]                                   live version, offsets vs log, lag, dead letters, problems
  rebuild <projection> [--from <ISO time>]          zero-downtime rebuild into a new generation, then swap
  rebuild <projection> --in-place                   truncate the live generation and replay (NOT zero-downtime)
      --allow-truncated-log                         build even though the log no longer starts at offset 0
                                                    (the generation is recorded as partial)
  reset-offsets <projection> --to earliest|latest|<ISO time>
                                                    keeps the rows; earliest re-applies the log (duplicates
                                                    skipped by webhook id), latest skips what is not applied
  dlq list [--projection <p>] [--limit <n>]
  dlq replay [--projection <p>] (--id <n> | --all)
  allo connect|status|rotate|disconnect ...        connect a real Allo account (npm run cli -- allo help)
${EXPORT_USAGE}

projections: ${PROJECTION_NAMES.join(', ')}
environment: DATABASE_URL; KAFKA_BROKERS (status, rebuild, reset-offsets);
             SCHEMA_REGISTRY_URL (rebuild, dlq replay); RAW_TOPIC (default allo.webhooks.raw)`;

/** Parses argv (without node and script). Throws UsageError naming the problem. */
export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    case 'status': {
      const { flags } = readArgs(rest, [], ['json'], 0);
      return { name: 'status', json: flags.has('json') };
    }
    case 'rebuild':
      return parseRebuild(rest);
    case 'reset-offsets': {
      const { positional, options } = readArgs(rest, ['to'], [], 1);
      const to = required(options, 'to');
      const start = parseOffsetStart(to);
      if (!start) throw new UsageError(`--to: expected earliest, latest or an ISO 8601 time, got "${to}"`);
      return { name: 'reset-offsets', projection: projectionArg(positional[0]), to: start };
    }
    case 'dlq':
      return parseDlq(rest);
    case 'allo': {
      const allo = parseAlloCommand(rest);
      if (!allo.ok) throw new UsageError(allo.message);
      return { name: 'allo', command: allo.command };
    }
    case 'export':
      try {
        return parseExportCommand(rest);
      } catch (error) {
        throw error instanceof ExportUsageError ? new UsageError(error.message) : error;
      }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parseRebuild(args: readonly string[]): Command {
  const { positional, options, flags } = readArgs(args, ['from'], ['in-place', 'allow-truncated-log'], 1);
  const fromText = options.get('from');
  const from = fromText === undefined ? undefined : parseOffsetStart(fromText);
  if (from !== undefined && from.kind !== 'timestamp')
    throw new UsageError(`--from: expected an ISO 8601 time, got "${fromText}"`);
  if (fromText !== undefined && from === undefined)
    throw new UsageError(`--from: expected an ISO 8601 time, got "${fromText}"`);
  if (from && flags.has('in-place'))
    throw new UsageError(
      '--from and --in-place cannot be combined (an in-place rebuild replays from earliest)',
    );
  return {
    name: 'rebuild',
    projection: projectionArg(positional[0]),
    from: from?.at,
    inPlace: flags.has('in-place'),
    allowTruncatedLog: flags.has('allow-truncated-log'),
  };
}

function parseDlq(args: readonly string[]): Command {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { options } = readArgs(rest, ['projection', 'limit'], [], 0);
    const limitText = options.get('limit') ?? '50';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new UsageError(`--limit: expected an integer 1..10000, got "${limitText}"`);
    return { name: 'dlq-list', projection: optionalProjection(options.get('projection')), limit };
  }
  if (sub === 'replay') {
    const { options, flags } = readArgs(rest, ['projection', 'id'], ['all'], 0);
    const id = options.get('id');
    if ((id === undefined) === !flags.has('all'))
      throw new UsageError('dlq replay: give exactly one of --id <n> or --all');
    if (id !== undefined && !/^\d+$/.test(id))
      throw new UsageError(`--id: expected a dead letter id (integer), got "${id}"`);
    const selection = id === undefined ? ({ kind: 'all' } as const) : ({ kind: 'id', id } as const);
    return { name: 'dlq-replay', projection: optionalProjection(options.get('projection')), selection };
  }
  throw new UsageError(
    sub === undefined ? 'dlq: missing subcommand (list or replay)' : `dlq: unknown subcommand "${sub}"`,
  );
}

interface Args {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

/** Splits `--name value`, `--name=value` and `--flag`; rejects anything not listed. */
function readArgs(
  args: readonly string[],
  optionNames: string[],
  flagNames: string[],
  positionals: number,
): Args {
  const result: Args = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      result.positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flagNames.includes(name) && inline === undefined) result.flags.add(name);
    else if (optionNames.includes(name)) {
      const value = inline ?? args[(i += 1)];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      result.options.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  if (result.positional.length !== positionals) {
    throw new UsageError(
      positionals === 0
        ? `unexpected argument "${result.positional[0]}"`
        : `expected one projection name (${PROJECTION_NAMES.join(', ')})`,
    );
  }
  return result;
}

function required(options: Map<string, string>, name: string): string {
  const value = options.get(name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

function projectionArg(value: string | undefined): ProjectionName {
  if (value === undefined || !isProjectionName(value)) {
    throw new UsageError(
      `unknown projection "${value ?? ''}" (expected one of ${PROJECTION_NAMES.join(', ')})`,
    );
  }
  return value;
}

function optionalProjection(value: string | undefined): ProjectionName | undefined {
  return value === undefined ? undefined : projectionArg(value);
}
