import { describe, expect, it } from '@jest/globals';
import { parseAlloCommand } from './allo-command.js';
import { parseCommand, UsageError } from './parse-command.js';

describe('parseAlloCommand', () => {
  it('reads connect with its defaults and a topic list', () => {
    expect(parseAlloCommand(['connect', '--url', 'https://h.test/webhooks/allo'])).toEqual({
      ok: true,
      command: { kind: 'connect', url: 'https://h.test/webhooks/allo', source: undefined, topics: 'all' },
    });
    expect(
      parseAlloCommand([
        'connect',
        '--url=https://h.test/x',
        '--source',
        'eu',
        '--topics',
        'sms.sent, call.completed',
      ]),
    ).toMatchObject({
      ok: true,
      command: { source: 'eu', topics: ['sms.sent', 'call.completed'] },
    });
  });

  it('reads status, rotate and disconnect', () => {
    expect(parseAlloCommand(['status', '--json'])).toEqual({
      ok: true,
      command: { kind: 'status', json: true },
    });
    expect(parseAlloCommand(['rotate', '--source', 'eu', '--grace-seconds', '5'])).toEqual({
      ok: true,
      command: { kind: 'rotate', source: 'eu', waitSeconds: 600, graceSeconds: 5 },
    });
    expect(parseAlloCommand(['disconnect', '--yes'])).toEqual({
      ok: true,
      command: { kind: 'disconnect', source: 'default', yes: true },
    });
    expect(parseAlloCommand([])).toEqual({ ok: true, command: { kind: 'help' } });
  });

  it.each([
    [['connect'], /--url is required/],
    [['connect', '--url', 'https://h.test', '--api-key', 'ak_x'], /api-key/],
    [['status', '--yes'], /--yes does not apply/],
    [['rotate', '--wait-seconds', 'soon'], /whole seconds/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['rotate', 'eu'], /positional/i],
  ])('rejects %j', (argv, message) => {
    const outcome = parseAlloCommand(argv);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(message);
  });

  it('is reachable through the main parser, whose usage errors it raises', () => {
    expect(parseCommand(['allo', 'status'])).toEqual({
      name: 'allo',
      command: { kind: 'status', json: false },
    });
    expect(() => parseCommand(['allo', 'connect'])).toThrow(UsageError);
  });
});
