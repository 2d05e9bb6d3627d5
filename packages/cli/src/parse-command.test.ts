import { describe, expect, it } from '@jest/globals';
import { parseCommand, UsageError } from './parse-command.js';
import { formatDuration, formatProgress, ratePerSecond } from './progress-bar.js';
import { sumSpan } from './rebuild-projection.js';

describe('parseCommand', () => {
  it('parses every command', () => {
    expect(parseCommand([])).toEqual({ name: 'help' });
    expect(parseCommand(['status', '--json'])).toEqual({ name: 'status', json: true });
    expect(parseCommand(['rebuild', 'calls'])).toEqual({
      name: 'rebuild',
      projection: 'calls',
      from: undefined,
      inPlace: false,
      allowTruncatedLog: false,
    });
    expect(parseCommand(['rebuild', 'contacts', '--from=2026-02-03T00:00:00Z'])).toMatchObject({
      from: new Date('2026-02-03T00:00:00Z'),
    });
    expect(parseCommand(['rebuild', 'messages', '--in-place'])).toMatchObject({ inPlace: true });
    expect(parseCommand(['rebuild', 'calls', '--allow-truncated-log'])).toMatchObject({
      allowTruncatedLog: true,
      inPlace: false,
    });
    expect(parseCommand(['reset-offsets', 'calls', '--to', 'latest'])).toEqual({
      name: 'reset-offsets',
      projection: 'calls',
      to: { kind: 'latest' },
    });
    expect(parseCommand(['dlq', 'list', '--projection', 'calls', '--limit', '5'])).toEqual({
      name: 'dlq-list',
      projection: 'calls',
      limit: 5,
    });
    expect(parseCommand(['dlq', 'replay', '--id', '12'])).toEqual({
      name: 'dlq-replay',
      projection: undefined,
      selection: { kind: 'id', id: '12' },
    });
    expect(parseCommand(['dlq', 'replay', '--all', '--projection', 'messages'])).toMatchObject({
      selection: { kind: 'all' },
    });
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['rebuild'], 'expected one projection name (calls, messages, contacts)'],
    [['rebuild', 'deals'], 'unknown projection "deals"'],
    [['rebuild', 'calls', '--from', 'yesterday'], '--from: expected an ISO 8601 time'],
    [['rebuild', 'calls', '--from', 'earliest'], '--from: expected an ISO 8601 time'],
    [['rebuild', 'calls', '--in-place', '--from', '2026-01-01'], 'cannot be combined'],
    [['reset-offsets', 'calls'], '--to is required'],
    [['reset-offsets', 'calls', '--to'], '--to needs a value'],
    [['status', '--verbose'], 'unknown option --verbose'],
    [['dlq'], 'missing subcommand'],
    [['dlq', 'replay'], 'exactly one of --id'],
    [['dlq', 'replay', '--id', '1', '--all'], 'exactly one of --id'],
    [['dlq', 'list', '--limit', '0'], '--limit'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('rebuild progress', () => {
  it('renders percentage, rate and ETA', () => {
    const samples = [
      { atMs: 0, done: 0 },
      { atMs: 2000, done: 400 },
    ];
    expect(ratePerSecond(samples)).toBe(200);
    const line = formatProgress({ phase: 'catch-up', version: 2, done: 400, total: 1000 }, samples, 10);
    expect(line).toBe('rebuilding g2 [####------] 40.0% 400/1000 events 200/s ETA 3s');
    expect(formatProgress({ phase: 'swapped', version: 2, done: 0, total: 0 }, [], 4)).toContain('100.0%');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
  });

  it('sums spans between seeded and target offsets', () => {
    expect(
      sumSpan(
        new Map([
          [0, '10'],
          [1, '5'],
        ]),
        new Map([
          [0, '30'],
          [1, '2'],
          [2, '7'],
        ]),
      ),
    ).toBe(27);
  });
});
