import { describe, expect, it } from '@jest/globals';
import { ExportUsageError, parseExportCommand } from './export-command.js';
import { formatExportProgress } from './export-progress.js';
import { parseCommand, UsageError } from './parse-command.js';

describe('parseExportCommand', () => {
  it('reads the entity, format, range and output file', () => {
    expect(
      parseExportCommand([
        'calls',
        '--format',
        'parquet',
        '--since=2026-01-01',
        '--until',
        '2026-02-01T00:00:00Z',
        '--out',
        'c.parquet',
      ]),
    ).toEqual({
      name: 'export',
      entity: 'calls',
      format: 'parquet',
      since: new Date('2026-01-01T00:00:00Z'),
      until: new Date('2026-02-01T00:00:00Z'),
      out: 'c.parquet',
    });
  });

  it.each([
    [['tags', '--format', 'csv', '--out', 'x'], 'expected one of calls, messages, contacts'],
    [['calls', '--format', 'xlsx', '--out', 'x'], '--format: expected parquet, csv, jsonl, got "xlsx"'],
    [['calls', '--format', 'csv'], '--out <file> is required'],
    [
      ['calls', '--format', 'csv', '--out', 'x', '--since', 'yesterday'],
      '--since: expected an ISO 8601 time',
    ],
    [
      ['calls', '--format', 'csv', '--out', 'x', '--since', '2026-02-01', '--until', '2026-01-01'],
      '--since must be before --until',
    ],
    [['calls', '--format', 'csv', '--out', 'x', '--limit', '3'], 'unknown option --limit'],
  ])('refuses %j', (args, message) => {
    expect(() => parseExportCommand(args)).toThrow(ExportUsageError);
    expect(() => parseExportCommand(args)).toThrow(message);
  });

  it('is reachable through the CLI parser, whose usage errors it raises', () => {
    expect(parseCommand(['export', 'messages', '--format', 'jsonl', '--out', 'm.jsonl'])).toMatchObject({
      name: 'export',
      entity: 'messages',
    });
    expect(() => parseCommand(['export', 'calls', '--out', 'x'])).toThrow(UsageError);
  });
});

describe('formatExportProgress', () => {
  it('shows rows, rows/s and the ETA', () => {
    const samples = [
      { atMs: 0, done: 0 },
      { atMs: 2_000, done: 100_000 },
    ];
    expect(formatExportProgress('calls', 100_000, 1_000_000, samples, 10)).toBe(
      'exporting calls [#---------] 10.0% 100000/1000000 rows 50000 rows/s ETA 18s',
    );
  });
});
