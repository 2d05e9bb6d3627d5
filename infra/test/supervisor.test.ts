import { beforeEach, describe, expect, it } from '@jest/globals';
import { clockTime } from '../src/supervisor-messages.js';
import type { SupervisorState } from '../src/supervisor-state.js';
import {
  Supervisor,
  type ServiceEvents,
  type ServiceSpec,
  type SupervisedProcess,
  type SupervisorClock,
} from '../src/supervisor.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

/** Virtual time: advance() runs the due callbacks in time order. */
class FakeClock implements SupervisorClock {
  private current = T0;
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];

  now(): number {
    return this.current;
  }

  schedule(callback: () => void, delayMs: number): () => void {
    const timer = { at: this.current + delayMs, callback, cancelled: false };
    this.timers.push(timer);
    return () => (timer.cancelled = true);
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((timer) => !timer.cancelled && timer.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      this.current = due.at;
      due.callback();
    }
    this.current = target;
  }
}

class FakeChild implements SupervisedProcess {
  readonly signals: NodeJS.Signals[] = [];

  constructor(
    readonly name: string,
    readonly pid: number,
    private readonly events: ServiceEvents,
    private readonly log: string[],
  ) {}

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    this.log.push(`${signal} ${this.name}`);
  }

  ready(): void {
    this.events.onReady();
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.log.push(`exit ${this.name}`);
    this.events.onExit({ code, signal });
  }
}

const NAMES = ['gateway', 'projector-calls', 'projector-messages', 'query-api'];
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

let clock: FakeClock;
let log: string[];
let lines: string[];
let states: SupervisorState[];
let children: FakeChild[];
let supervisor: Supervisor;

/** The live (latest) process of a service. */
function child(name: string): FakeChild {
  const found = children.filter((candidate) => candidate.name === name).at(-1);
  if (!found) throw new Error(`${name} was never spawned`);
  return found;
}

function spawnsOf(name: string): number {
  return children.filter((candidate) => candidate.name === name).length;
}

function lastState(): SupervisorState {
  const state = states.at(-1);
  if (!state) throw new Error('no state reported');
  return state;
}

beforeEach(() => {
  clock = new FakeClock();
  log = [];
  lines = [];
  states = [];
  children = [];
  const services: ServiceSpec[] = NAMES.map((name) => ({ name, main: `/x/${name}/dist/main.js`, env: {} }));
  supervisor = new Supervisor({
    services,
    spawn: (spec, events) => {
      const spawned = new FakeChild(spec.name, 1000 + children.length, events, log);
      children.push(spawned);
      log.push(`spawn ${spec.name}`);
      return spawned;
    },
    clock,
    print: (line) => lines.push(line),
    onChange: (state) => states.push(state),
    stopStack: () => {
      log.push('stack down');
      return Promise.resolve(['kafka', 'postgres']);
    },
    identity: { pid: 4242, script: '/repo/infra/dist/start.js' },
    grace: { firstMs: 20_000, restMs: 15_000 },
  });
  supervisor.start();
  for (const spawned of [...children]) spawned.ready();
});

describe('Supervisor restarts', () => {
  it('restarts only the service that exited, after 1 s, and says why and when it is back', () => {
    clock.advance(12_300);
    child('projector-calls').exit(null, 'SIGKILL');

    expect(lines).toEqual([
      `allo-pipeline: projector-calls exited (signal SIGKILL) at ${clockTime(T0 + 12_300)} after 12.3 s; restarting in 1 s (restart 1)`,
    ]);
    clock.advance(999);
    expect(spawnsOf('projector-calls')).toBe(1);
    clock.advance(1);
    expect(spawnsOf('projector-calls')).toBe(2);
    child('projector-calls').ready();

    expect(lines.at(-1)).toBe('allo-pipeline: projector-calls is back (pid 1004, restart 1)');
    expect(NAMES.map(spawnsOf)).toEqual([1, 2, 1, 1]);
    expect(children.flatMap((spawned) => spawned.signals)).toEqual([]);
    expect(lastState().services.map(({ name, state }) => `${name} ${state}`)).toEqual([
      'gateway running',
      'projector-calls running',
      'projector-messages running',
      'query-api running',
    ]);
  });

  it('doubles the delay while a service keeps crashing, and shows the crash loop in the state', () => {
    for (const expectedDelay of [1, 2, 4, 8]) {
      clock.advance(200);
      child('query-api').exit(1);
      expect(lines.at(-1)).toContain(`restarting in ${expectedDelay} s`);
      clock.advance(expectedDelay * 1000);
    }
    clock.advance(200);
    child('query-api').exit(1);

    const queryApi = lastState().services.find(({ name }) => name === 'query-api');
    expect(queryApi).toEqual({
      name: 'query-api',
      pid: null,
      state: 'restarting',
      restarts: 5,
      lastExit: { code: 1, signal: null, at: new Date(clock.now()).toISOString(), uptimeMs: 200 },
      nextRestartAt: new Date(clock.now() + 16_000).toISOString(),
    });
    expect(lines.at(-1)).toMatch(
      /query-api exited \(code 1\) at .* after 0\.2 s; restarting in 16 s \(restart 5\)$/,
    );
  });

  it('does not restart a configuration error (code 2) and keeps the others running', () => {
    child('gateway').exit(2);
    clock.advance(10 * 60_000);

    expect(spawnsOf('gateway')).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        /^allo-pipeline: gateway exited with code 2 \(configuration error\) at .* after 0\.0 s; not restarting it/,
      ),
    ]);
    expect(lastState().services.map(({ name, state }) => `${name} ${state}`)).toEqual([
      'gateway failed',
      'projector-calls running',
      'projector-messages running',
      'query-api running',
    ]);
    expect(children.flatMap((spawned) => spawned.signals)).toEqual([]);
  });

  it('reports its identity, start time and each service in the state', () => {
    expect(lastState()).toEqual({
      pid: 4242,
      startedAt: '2026-12-01T10:00:00.000Z',
      script: '/repo/infra/dist/start.js',
      stopping: false,
      services: NAMES.map((name, index) => ({
        name,
        pid: 1000 + index,
        state: 'running',
        restarts: 0,
        lastExit: null,
        nextRestartAt: null,
      })),
    });
    expect(states[0]?.services[0]?.state).toBe('starting');
  });
});

describe('Supervisor stop', () => {
  it('stops the gateway first, then the others in parallel, then the stack', async () => {
    log.length = 0;
    const stopped = supervisor.stop('SIGINT');
    await flush();
    expect(log).toEqual(['SIGTERM gateway']);

    child('gateway').exit(0);
    await flush();
    expect(log.slice(2).sort()).toEqual([
      'SIGTERM projector-calls',
      'SIGTERM projector-messages',
      'SIGTERM query-api',
    ]);

    child('projector-calls').exit(0);
    child('query-api').exit(0);
    await flush();
    expect(log).not.toContain('stack down');
    child('projector-messages').exit(0);

    await expect(stopped).resolves.toEqual(['kafka', 'postgres']);
    expect(log.at(-1)).toBe('stack down');
    expect(lines.at(-1)).toBe('allo-pipeline: services stopped; stack servers stopped: kafka, postgres');
    expect(lastState().stopping).toBe(true);
    expect(lastState().services.every(({ state, pid }) => state === 'stopped' && pid === null)).toBe(true);
  });

  it('SIGKILLs a service that outlives its grace', async () => {
    const stopped = supervisor.stop('SIGTERM');
    await flush();
    clock.advance(19_999);
    expect(child('gateway').signals).toEqual(['SIGTERM']);
    clock.advance(1);
    expect(child('gateway').signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(lines).toContain('allo-pipeline: gateway did not stop within 20.0 s; killing it (SIGKILL)');
    child('gateway').exit(null, 'SIGKILL');
    await flush();
    for (const name of NAMES.slice(1)) child(name).exit(0);
    await expect(stopped).resolves.toEqual(['kafka', 'postgres']);
  });

  it('restarts nothing once the stop has begun: neither a crash nor a pending restart', async () => {
    child('projector-messages').exit(1);
    expect(lastState().services[2]?.state).toBe('restarting');
    const stopped = supervisor.stop('SIGINT');
    await flush();
    child('projector-calls').exit(null, 'SIGSEGV');
    clock.advance(60_000);

    expect(spawnsOf('projector-messages')).toBe(1);
    expect(spawnsOf('projector-calls')).toBe(1);
    expect(lastState().services[2]).toMatchObject({ state: 'stopped', nextRestartAt: null });
    child('gateway').exit(0);
    await flush();
    child('query-api').exit(0);
    await expect(stopped).resolves.toEqual(['kafka', 'postgres']);
    expect(lines.filter((line) => line.includes('restarting in'))).toHaveLength(1);
  });

  it('hurries on a second request: SIGKILL to every live service, and the stack still stops', async () => {
    const stopped = supervisor.stop('SIGINT');
    expect(supervisor.stop('SIGINT')).toBe(stopped);
    await flush();
    supervisor.hurry('SIGINT');

    expect(NAMES.map((name) => child(name).signals.at(-1))).toEqual([
      'SIGKILL',
      'SIGKILL',
      'SIGKILL',
      'SIGKILL',
    ]);
    for (const name of NAMES) child(name).exit(null, 'SIGKILL');
    await expect(stopped).resolves.toEqual(['kafka', 'postgres']);
    expect(log.at(-1)).toBe('stack down');
  });

  it('ignores hurry() when no stop is under way', () => {
    supervisor.hurry('SIGINT');
    expect(children.flatMap((spawned) => spawned.signals)).toEqual([]);
  });
});

describe('Supervisor.add', () => {
  it('supervises a service added later (the demo) like the others, and adds nothing once stopping', async () => {
    supervisor.add({ name: 'demo', main: '/x/sim/dist/cli.js', args: ['--stream'], env: {} });
    expect(spawnsOf('demo')).toBe(1);
    child('demo').ready();
    expect(supervisor.isRunning('demo')).toBe(true);
    child('demo').exit(1);
    clock.advance(1_000);
    expect(spawnsOf('demo')).toBe(2);
    const stopped = supervisor.stop('SIGINT');
    await flush();
    supervisor.add({ name: 'late', main: '/x/late.js', env: {} });
    expect(spawnsOf('late')).toBe(0);
    for (const name of [...NAMES, 'demo']) child(name).exit(0);
    await stopped;
    expect(lastState().services.map((service) => service.name)).toEqual([...NAMES, 'demo']);
  });
});
