import { describe, expect, it } from '@jest/globals';
import { DEFAULT_URL, parseCliArgs, SECRET_VARIABLE } from './cli-options.js';

const SECRET = 'whsec_EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=';
const env = { [SECRET_VARIABLE]: SECRET };

describe('parseCliArgs', () => {
  it('applies defaults and reads the secret from the environment', () => {
    const result = parseCliArgs([], env);
    expect(result.kind).toBe('run');
    if (result.kind !== 'run') return;
    expect(result.options).toMatchObject({
      url: DEFAULT_URL,
      seed: 1,
      concurrency: 16,
      ratePerSecond: undefined,
      timeScale: 1,
      timeoutMs: 20_000,
      duplicateRate: 0,
      reorderWindow: 1,
      ackLog: undefined,
      json: false,
    });
    expect(result.options.secret.key).toHaveLength(32);
  });

  it('parses every flag', () => {
    const argv = [
      ...['--url', 'http://localhost:9/h', '--secret', SECRET, '--seed', '42', '--calls', '3', '--sms', '2'],
      ...['--contacts', '4', '--rate', '250', '--concurrency', '64', '--duplicate-rate', '0.05'],
      ...[
        '--reorder-window',
        '10',
        '--time-scale',
        '0.001',
        '--timeout-ms',
        '500',
        '--ack-log',
        'acks.jsonl',
      ],
      ...['--start-at', '2026-02-03T09:00:00Z', '--json'],
    ];
    const result = parseCliArgs(argv, {});
    expect(result).toMatchObject({
      kind: 'run',
      options: {
        url: 'http://localhost:9/h',
        seed: 42,
        calls: 3,
        smsConversations: 2,
        contacts: 4,
        ratePerSecond: 250,
        concurrency: 64,
        duplicateRate: 0.05,
        reorderWindow: 10,
        timeScale: 0.001,
        timeoutMs: 500,
        ackLog: 'acks.jsonl',
        startAt: '2026-02-03T09:00:00Z',
        json: true,
      },
    });
  });

  it.each([
    [['--bogus'], /bogus/],
    [['stray'], /positional/i],
    [['--calls', 'ten'], /--calls/],
    [['--concurrency', '0'], /--concurrency/],
    [['--duplicate-rate', '1.5'], /--duplicate-rate/],
    [['--rate', '-1'], /--rate/],
    [['--url', 'not a url'], /--url/],
    [['--start-at', 'soon'], /--start-at/],
    [['--secret', 'abc'], /--secret/],
    [['--json=yes'], /json/],
  ])('reports %j as a usage error', (argv, message) => {
    const result = parseCliArgs(argv, env);
    expect(result.kind).toBe('usage-error');
    if (result.kind === 'usage-error') expect(result.message).toMatch(message);
  });

  it('names the environment variable when the secret is missing or invalid', () => {
    expect(parseCliArgs([], {})).toEqual({
      kind: 'usage-error',
      message: expect.stringContaining(SECRET_VARIABLE),
    });
    const invalid = parseCliArgs([], { [SECRET_VARIABLE]: 'whsec_***' });
    expect(invalid).toEqual({ kind: 'usage-error', message: expect.stringContaining(SECRET_VARIABLE) });
    expect(JSON.stringify(invalid)).not.toContain('***');
  });

  it('answers --help', () => {
    expect(parseCliArgs(['-h'], {})).toEqual({ kind: 'help' });
  });
});
