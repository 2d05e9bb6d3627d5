import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readSupervisorState, type SupervisorState } from '../src/index.js';
import { isProcessAlive } from '../src/process-control.js';
import { supervisorStatePath } from '../src/supervisor-state.js';

// The supervised run of `npm start` with real processes: fixtures/fake-supervisor.mjs runs
// infra/dist/supervised-run.js (built by `tsc -b`) over fixtures/fake-service.mjs, which uses the
// real @allo-pipeline/service-lifecycle, and a no-op stack. No Kafka or Postgres needed.

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SERVICES = ['gateway', 'projector-calls', 'query-api'];
const WAIT_MS = 15_000;

let dir: string;
let supervisor: ChildProcess | undefined;
let output: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'allo-supervisor-int-'));
  output = [];
});

afterEach(() => {
  // Whatever a failed test left behind: the supervisor (also when started through sh) and its services.
  const state = readSupervisorState(stateDir());
  const pids = state ? [state.pid, ...state.services.flatMap(({ pid }) => (pid ? [pid] : []))] : [];
  if (supervisor?.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL');
  for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const stateDir = () => join(dir, 'state');
const eventsFile = () => join(dir, 'events');

function supervisorCommand(): string[] {
  return [process.execPath, join(FIXTURES, 'fake-supervisor.mjs'), eventsFile(), stateDir(), ...SERVICES];
}

/** The supervisor as our child, or (viaShell) as the child of a shell, like under npm. */
function startSupervisor(options: { viaShell?: boolean; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const [command = '', ...args] = options.viaShell
    ? // The trailing command keeps sh from exec-ing node: sh stays its parent, as under `npm start`.
      [
        'sh',
        '-c',
        `${supervisorCommand()
          .map((word) => `'${word}'`)
          .join(' ')}; exit $?`,
      ]
    : supervisorCommand();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(String(chunk)));
  supervisor = child;
  return child;
}

/** The events the fake services and the fake stack recorded, without pids. */
function events(): string[] {
  if (!existsSync(eventsFile())) return [];
  return readFileSync(eventsFile(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/ pid=\d+$/, ''));
}

async function waitFor<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; supervisor output:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function allRunning(): SupervisorState | undefined {
  const state = readSupervisorState(stateDir());
  return state?.services.every(({ state: s }) => s === 'running') ? state : undefined;
}

function pidOf(state: SupervisorState, name: string): number {
  const pid = state.services.find((service) => service.name === name)?.pid;
  if (!pid) throw new Error(`${name} has no pid in ${JSON.stringify(state)}`);
  return pid;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('npm start supervisor, real processes', () => {
  it('restarts only a service killed with SIGKILL, which is running again within seconds', async () => {
    startSupervisor();
    const before = await waitFor('all services running', allRunning);
    const killed = pidOf(before, 'projector-calls');
    process.kill(killed, 'SIGKILL');

    const after = await waitFor('projector-calls running again', () => {
      const state = allRunning();
      return state && pidOf(state, 'projector-calls') !== killed ? state : undefined;
    });
    expect(after.services.find(({ name }) => name === 'projector-calls')).toMatchObject({
      restarts: 1,
      lastExit: { code: null, signal: 'SIGKILL' },
    });
    for (const name of ['gateway', 'query-api']) expect(pidOf(after, name)).toBe(pidOf(before, name));
    expect(after.services.filter(({ restarts }) => restarts > 0)).toHaveLength(1);
    expect(isProcessAlive(killed)).toBe(false);
    expect(output.join('')).toMatch(
      /projector-calls exited \(signal SIGKILL\) .*restarting in 1 s \(restart 1\)/,
    );
  });

  it('on SIGTERM stops the gateway, then the others, then the stack, leaves no process and exits 0', async () => {
    const child = startSupervisor();
    const running = await waitFor('all services running', allRunning);
    const pids = SERVICES.map((name) => pidOf(running, name));
    child.kill('SIGTERM');

    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    const stops = events().filter((event) => !event.endsWith(' started'));
    expect(stops.slice(0, 2)).toEqual(['gateway closing', 'gateway closed']);
    expect(stops.slice(2, 6).sort()).toEqual([
      'projector-calls closed',
      'projector-calls closing',
      'query-api closed',
      'query-api closing',
    ]);
    expect(stops.slice(6)).toEqual(['stack down fake-server', 'supervisor exit 0']);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(existsSync(supervisorStatePath(stateDir()))).toBe(false);
  });

  it('on a second SIGINT during the stop kills the services at once, and still stops the stack', async () => {
    // Services that would take a minute to close.
    const child = startSupervisor({ env: { FAKE_CLOSE_MS: '60000' } });
    const running = await waitFor('all services running', allRunning);
    const pids = SERVICES.map((name) => pidOf(running, name));
    child.kill('SIGINT');
    await waitFor('the gateway to be closing', () => events().includes('gateway closing'));
    child.kill('SIGINT');

    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    expect(events().filter((event) => event.endsWith(' closed'))).toEqual([]);
    expect(events().slice(-2)).toEqual(['stack down fake-server', 'supervisor exit 0']);
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(output.join('')).toContain('SIGINT again: killing the services now');
  });

  it('stops in order by itself when its parent dies without forwarding a signal (npm killed)', async () => {
    const shell = startSupervisor({ viaShell: true });
    const running = await waitFor('all services running', allRunning);
    const pids = [running.pid, ...SERVICES.map((name) => pidOf(running, name))];
    shell.kill('SIGKILL');

    await waitFor('the supervisor to exit', () => events().includes('supervisor exit 0'));
    const stops = events().filter((event) => !event.endsWith(' started'));
    expect(stops.slice(0, 2)).toEqual(['gateway closing', 'gateway closed']);
    expect(stops.slice(-2)).toEqual(['stack down fake-server', 'supervisor exit 0']);
    await waitFor('every process gone', () => pids.every((pid) => !isProcessAlive(pid)));
    expect(output.join('')).toContain('allo-pipeline: stopping (its parent process exited)');
  });

  it('when the supervisor is SIGKILLed, every service closes by itself (IPC channel closed)', async () => {
    const child = startSupervisor();
    const running = await waitFor('all services running', allRunning);
    const pids = SERVICES.map((name) => pidOf(running, name));
    child.kill('SIGKILL');
    await exitOf(child);

    await waitFor('every service gone', () => pids.every((pid) => !isProcessAlive(pid)));
    expect(
      events()
        .filter((event) => event.endsWith(' closed'))
        .sort(),
    ).toEqual(SERVICES.map((name) => `${name} closed`).sort());
    expect(events()).not.toContain('stack down fake-server');
    expect(readSupervisorState(stateDir())).toBeUndefined();
  });
});
