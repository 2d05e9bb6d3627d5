import type { ServiceLineFormatter } from './console-format.js';
import { serviceSpawner, type RecentOutput } from './service-process.js';
import { Supervisor, type ServiceSpec, type SupervisorOptions } from './supervisor.js';
import { removeSupervisorState, supervisorStatePath, writeSupervisorState } from './supervisor-state.js';

// `npm start`'s run, from the stack coming up to the last server stopped. Invariants:
// - SIGINT, SIGTERM and SIGHUP (the terminal closed) request the stop, and so does the parent
//   process going away (npm may exit as soon as it has forwarded a signal; its shell, killed,
//   forwards none). The handlers exist before the stack starts: a stop requested meanwhile
//   waits for the stack, then stops what this run started, and spawns nothing.
// - During the stop a second SIGINT (Ctrl-C) hurries it (Supervisor.hurry); other repeats are
//   ignored (a closing terminal can deliver SIGHUP twice).
// - The state file follows every change and is removed once everything has stopped.
// - Resolves with the exit code: 0 once a requested stop is complete, 1 when the stack's
//   stop failed.

export interface SupervisedRunOptions<Up extends { readonly started: readonly string[] }> {
  /** Where supervisor.json lives (the stack's state folder). */
  readonly stateDir: string;
  readonly print: (line: string) => void;
  readonly stackUp: () => Promise<Up>;
  /** Stops the given stack servers (those this run started); resolves with those it stopped. */
  readonly stackDown: (started: Up['started']) => Promise<readonly string[]>;
  /** The services to run on the stack that is up; the place to print what runs where. */
  readonly services: (up: Up) => readonly ServiceSpec[];
  readonly tuning?: Pick<SupervisorOptions, 'policy' | 'stopFirst' | 'grace'>;
  /** How the services' output lines look on the console. */
  readonly format?: ServiceLineFormatter;
  /** Keeps each service's last lines. */
  readonly recent?: RecentOutput;
  /** Runs once the services are spawned; `stopping` aborts when the stop is requested. */
  readonly afterStart?: (supervisor: Supervisor, stopping: AbortSignal) => void;
}

const PARENT_CHECK_MS = 1_000;
const PARENT_GONE = 'its parent process exited';

export async function runSupervised<Up extends { readonly started: readonly string[] }>(
  options: SupervisedRunOptions<Up>,
): Promise<number> {
  const { print } = options;
  const requests = listenForStopRequests();
  requests.onRepeat = (why) => print(`allo-pipeline: ${why}: stopping as soon as the stack is up`);
  const up = await options.stackUp();
  if (requests.first !== undefined) {
    print(`\nallo-pipeline: stopping (${requests.first}) before starting any service`);
    return stopStackOnly(options, up);
  }
  const supervisor = new Supervisor({
    ...options.tuning,
    services: options.services(up),
    spawn: serviceSpawner(print, options.format, options.recent),
    clock: { now: Date.now, schedule: scheduleTimeout },
    print,
    onChange: stateWriter(options.stateDir, print),
    stopStack: () => options.stackDown(up.started),
    identity: { pid: process.pid, script: process.argv[1] ?? '' },
  });
  supervisor.start();
  const stopping = new AbortController();
  options.afterStart?.(supervisor, stopping.signal);
  const reason = await requests.requested;
  stopping.abort();
  requests.onRepeat = (why) => {
    if (why === 'SIGINT') supervisor.hurry(why);
    else if (why !== PARENT_GONE) print(`allo-pipeline: ${why} again: already stopping`);
  };
  try {
    await supervisor.stop(reason);
    return 0;
  } catch (error) {
    print(`allo-pipeline: stopping the stack failed: ${(error as Error).message}`);
    return 1;
  } finally {
    removeSupervisorState(options.stateDir);
  }
}

async function stopStackOnly<Up extends { readonly started: readonly string[] }>(
  options: SupervisedRunOptions<Up>,
  up: Up,
): Promise<number> {
  try {
    const stopped = await options.stackDown(up.started);
    options.print(`allo-pipeline: stack servers stopped: ${stopped.join(', ') || 'none'}`);
    return 0;
  } catch (error) {
    options.print(`allo-pipeline: stopping the stack failed: ${(error as Error).message}`);
    return 1;
  }
}

interface StopRequests {
  /** The reason of the first request, once there was one. */
  first: string | undefined;
  /** Resolves with the first request's reason. */
  readonly requested: Promise<string>;
  /** Called for each later request. */
  onRepeat: (why: string) => void;
}

function listenForStopRequests(): StopRequests {
  let resolve: (why: string) => void = () => undefined;
  const requested = new Promise<string>((settle) => (resolve = settle));
  const requests: StopRequests = { first: undefined, requested, onRepeat: () => undefined };
  const request = (why: string): void => {
    if (requests.first !== undefined) return requests.onRepeat(why);
    requests.first = why;
    resolve(why);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => request(signal));
  watchParent(() => request(PARENT_GONE));
  return requests;
}

/** Calls onGone once the parent process has exited (this process was re-parented). */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

function scheduleTimeout(callback: () => void, delayMs: number): () => void {
  const timer = setTimeout(callback, delayMs);
  return () => clearTimeout(timer);
}

/** Writes every state to supervisor.json; a failure is reported once and does not stop the run. */
function stateWriter(stateDir: string, print: (line: string) => void): SupervisorOptions['onChange'] {
  let reported = false;
  return (state) => {
    try {
      writeSupervisorState(stateDir, state);
    } catch (error) {
      if (reported) return;
      reported = true;
      print(`allo-pipeline: cannot write ${supervisorStatePath(stateDir)}: ${(error as Error).message}`);
    }
  };
}
