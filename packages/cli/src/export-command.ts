import { rename, rm } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { readLiveGeneration, type ReadModelDatabase } from '@allo-pipeline/read-models';
import {
  EXPORT_ENTITIES,
  EXPORT_FORMATS,
  EXPORT_SPECS,
  type ExportEntity,
  type ExportFormat,
  type ExportRow,
} from './export-columns.js';
import { createExportProgress } from './export-progress.js';
import { countExportRows, readExportPages, type ExportRange } from './export-source.js';
import { writeExport } from './export-writers.js';

export interface ExportCommand {
  readonly name: 'export';
  readonly entity: ExportEntity;
  readonly format: ExportFormat;
  readonly since: Date | undefined;
  readonly until: Date | undefined;
  readonly out: string;
}

export const EXPORT_USAGE = `  export <calls|messages|contacts> --format parquet|csv|jsonl [--since <ISO time>] [--until <ISO time>] --out <file>
                                                    stream a read model to a file (calls by started_at,
                                                    messages by sent_at, contacts by updated_at; since
                                                    inclusive, until exclusive)`;

/** A bad export command line; the message names the argument. */
export class ExportUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportUsageError';
  }
}

/** Parses the arguments after `export`; throws ExportUsageError naming the problem. */
export function parseExportCommand(args: readonly string[]): ExportCommand {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!['format', 'since', 'until', 'out'].includes(name))
      throw new ExportUsageError(`unknown option --${name}`);
    const value = inline ?? args[(i += 1)];
    if (value === undefined || value === '') throw new ExportUsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  const [entity, ...extra] = positional;
  if (!isOneOf(EXPORT_ENTITIES, entity) || extra.length > 0)
    throw new ExportUsageError(
      `export: expected one of ${EXPORT_ENTITIES.join(', ')}, got "${positional.join(' ')}"`,
    );
  const format = options.get('format');
  if (!isOneOf(EXPORT_FORMATS, format))
    throw new ExportUsageError(`--format: expected ${EXPORT_FORMATS.join(', ')}, got "${format ?? ''}"`);
  const out = options.get('out');
  if (out === undefined) throw new ExportUsageError('--out <file> is required');
  const since = isoTime(options, 'since');
  const until = isoTime(options, 'until');
  if (since && until && since >= until) throw new ExportUsageError('--since must be before --until');
  return { name: 'export', entity, format, since, until, out };
}

function isOneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (values as readonly string[]).includes(value);
}

function isoTime(options: Map<string, string>, name: string): Date | undefined {
  const text = options.get(name);
  if (text === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw new ExportUsageError(`--${name}: expected an ISO 8601 time, got "${text}"`);
  return new Date(time);
}

export interface ExportDeps {
  readonly db: Kysely<ReadModelDatabase>;
  readonly stderr: NodeJS.WriteStream;
  readonly now: () => number;
  /** Rows per read (and per Parquet batch); default 5000. */
  readonly pageSize?: number;
}

/**
 * Streams one read model into `command.out`. The file is written as `<out>.partial` and renamed
 * when complete, so a failed or interrupted export never leaves a file that looks whole.
 */
export async function runExport(
  command: ExportCommand,
  deps: ExportDeps,
): Promise<{ rows: number; ms: number }> {
  const started = deps.now();
  // The read_model views exist once a projector (or a rebuild) has made a live generation.
  if (!(await readLiveGeneration(deps.db, command.entity)))
    throw new Error(
      `the ${command.entity} read model does not exist yet in this database: start the projectors (npm start) ` +
        `or run \`npm run cli -- rebuild ${command.entity}\`, then export again`,
    );
  const range: ExportRange = { since: command.since, until: command.until };
  const total = await countExportRows(deps.db, command.entity, range);
  const progress = createExportProgress(deps.stderr, deps.now, command.entity, total);
  let rows = 0;
  async function* counted(): AsyncGenerator<ExportRow[]> {
    for await (const page of readExportPages(deps.db, command.entity, range, deps.pageSize)) {
      yield page;
      rows += page.length;
      progress.update(rows);
    }
  }
  const partial = `${command.out}.partial`;
  try {
    await writeExport(command.format, partial, EXPORT_SPECS[command.entity].columns, counted());
    await rename(partial, command.out);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  progress.done(rows);
  return { rows, ms: deps.now() - started };
}
