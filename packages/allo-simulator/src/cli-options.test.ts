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

  it('dates the history now unless --start-at is given', () => {
    const result = parseCliArgs([], env);
    expect(result).toMatchObject({ kind: 'run', options: { startAt: undefined, stream: false } });
  });

  it('streams a few events per second with occasional duplicates by default, and refuses a start date', () => {
    expect(parseCliArgs(['--stream'], env)).toMatchObject({
      kind: 'run',
      options: { stream: true, ratePerSecond: 3, duplicateRate: 0.03 },
    });
    expect(parseCliArgs(['--stream', '--rate', '20', '--duplicate-rate', '0'], env)).toMatchObject({
      options: { ratePerSecond: 20, duplicateRate: 0 },
    });
    const dated = parseCliArgs(['--stream', '--start-at', '2026-01-01T00:00:00Z'], env);
    expect(dated).toEqual({ kind: 'usage-error', message: expect.stringContaining('--start-at') });
  });

  it('uses the development secret of the local stack when neither flag nor variable gives one', () => {
    const kept = { value: SECRET, file: '/state/dev-webhook-secret' };
    expect(parseCliArgs([], {}, () => kept)).toMatchObject({
      kind: 'run',
      options: { secretOrigin: { kind: 'development', file: kept.file } },
    });
    const flag = parseCliArgs(['--secret', SECRET], {}, () => ({ value: 'whsec_***', file: 'x' }));
    expect(flag).toMatchObject({ kind: 'run', options: { secretOrigin: { kind: 'flag' } } });
    const broken = parseCliArgs([], {}, () => ({ value: 'whsec_***', file: '/state/dev-webhook-secret' }));
    expect(broken).toEqual({
      kind: 'usage-error',
      message: expect.stringContaining('/state/dev-webhook-secret'),
    });
  });

  it('answers --help', () => {
    expect(parseCliArgs(['-h'], {})).toEqual({ kind: 'help' });
  });
});
