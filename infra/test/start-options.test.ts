import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DEMO_RATE, parseStartOptions } from '../src/start-options.js';

describe('parseStartOptions', () => {
  it('runs without the demo by default', () => {
    expect(parseStartOptions([], {}, false)).toEqual({
      demo: false,
      demoRate: DEFAULT_DEMO_RATE,
      consoleFormat: 'json',
    });
  });

  it('turns the demo on with --demo or DEMO=1, at the rate asked', () => {
    expect(parseStartOptions(['--demo'], {}, true)).toMatchObject({ demo: true, consoleFormat: 'pretty' });
    expect(parseStartOptions([], { DEMO: '1' }, false)).toMatchObject({ demo: true });
    expect(parseStartOptions([], { DEMO: '0' }, false)).toMatchObject({ demo: false });
    expect(parseStartOptions(['--demo-rate', '20'], {}, false)).toMatchObject({ demo: true, demoRate: 20 });
    expect(parseStartOptions(['--demo'], { DEMO_RATE: '0.5' }, false)).toMatchObject({ demoRate: 0.5 });
  });

  it('names what is wrong', () => {
    expect(() => parseStartOptions(['--dmeo'], {}, false)).toThrow(/--dmeo.*--demo/);
    expect(() => parseStartOptions([], { DEMO: 'yes please' }, false)).toThrow(/DEMO=yes please/);
    expect(() => parseStartOptions(['--demo-rate', 'fast'], {}, false)).toThrow(/--demo-rate=fast/);
    expect(() => parseStartOptions([], { DEMO: '1', DEMO_RATE: '-3' }, false)).toThrow(/DEMO_RATE=-3/);
  });
});
