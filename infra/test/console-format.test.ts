import { describe, expect, it } from '@jest/globals';
import { chooseConsoleFormat, serviceLineFormatter } from '../src/console-format.js';

const line = JSON.stringify({
  level: 30,
  time: Date.parse('2026-12-02T10:11:12.000Z'),
  pid: 7,
  hostname: 'box',
  name: 'gateway',
  msg: 'gateway listening',
  url: 'http://0.0.0.0:8080',
});

describe('chooseConsoleFormat', () => {
  it('is pretty on a terminal and JSON otherwise, unless LOG_FORMAT forces either', () => {
    expect(chooseConsoleFormat({}, true)).toBe('pretty');
    expect(chooseConsoleFormat({}, false)).toBe('json');
    expect(chooseConsoleFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseConsoleFormat({ LOG_FORMAT: 'Pretty' }, false)).toBe('pretty');
    expect(() => chooseConsoleFormat({ LOG_FORMAT: 'xml' }, true)).toThrow(/LOG_FORMAT=xml.*pretty or json/);
  });
});

describe('serviceLineFormatter', () => {
  it('shows one short line per event, prefixed by the service, without pid, host or name', () => {
    const shown = serviceLineFormatter('pretty', false)('gateway', line);
    expect(shown).toMatch(
      /^gateway +\[\d\d:\d\d:\d\d\] INFO: gateway listening \{"url":"http:\/\/0\.0\.0\.0:8080"\}$/,
    );
    expect(shown).not.toContain('box');
    expect(shown.split('\n')).toHaveLength(1);
  });

  it('colours on request', () => {
    expect(serviceLineFormatter('pretty', true)('gateway', line)).toContain('\u001b[');
    expect(serviceLineFormatter('pretty', false)('gateway', line)).not.toContain('\u001b[');
  });

  it('keeps JSON lines as they are in JSON mode, and prefixes what is not JSON', () => {
    const json = serviceLineFormatter('json', false);
    expect(json('gateway', line)).toBe(line);
    expect(json('gateway', 'TypeError: boom')).toBe('[gateway] TypeError: boom');
    expect(serviceLineFormatter('pretty', false)('query-api', '    at main (x.js:1:1)')).toMatch(
      /^query-api +at main/,
    );
  });
});
