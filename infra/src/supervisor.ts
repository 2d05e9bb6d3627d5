import { decideRestart, DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.js';
import {
  backLine,
  configErrorLine,
  describeExit,
  killingLine,
  restartingLine,
  seconds,
} from './supervisor-messages.js';
import type { SupervisedServiceExit, SupervisedServiceState, SupervisorState } from './supervisor-state.js';

// Supervision of `npm start`'s services. Invariants:
// - Only the service that exited is restarted, when restart-policy.ts says (never after a
//   configuration error); the others keep running meanwhile.
// - Once a stop has begun nothing is spawned or restarted: pending restarts are cancelled, and
//   add() spawns nothing.
// - Stop order: the services in `stopFirst` (the gateway, so it stops accepting and finishes its
//   in-flight acknowledgements while the rest still run), then all others in parallel, then the
//   stack. Each service gets SIGTERM, then SIGKILL after its phase's grace.
// - hurry() (a second Ctrl-C) SIGKILLs every live service; the stop still runs to its end, stack included.
// - Every change of state is reported to onChange (the state file).

export interface ServiceSpec {
  readonly name: string;
  /** The service's entry script, run with node. */
  readonly main: string;
  /** Arguments after the script. */
  readonly args?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What a spawned service reports: once ready (started), and once exited (output flushed). */
export interface ServiceEvents {
  onReady(): void;
  onExit(exit: ProcessExit): void;
}

export interface SupervisedProcess {
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
}

export type SpawnService = (spec: ServiceSpec, events: ServiceEvents) => SupervisedProcess;

export interface SupervisorClock {
  now(): number;
  /** Runs `callback` after `delayMs`; returns a function that cancels it. */
  schedule(callback: () => void, delayMs: number): () => void;
}

export interface StopGrace {
  /** For the services in stopFirst; above the gateway's own bound (GATEWAY_SHUTDOWN_TIMEOUT_MS, 15 s). */
  readonly firstMs: number;
  /** For the others; above the projectors' and query API's own bounds (10 s). */
  readonly restMs: number;
}

export interface SupervisorOptions {
  readonly services: readonly ServiceSpec[];
  readonly spawn: SpawnService;
  readonly clock: SupervisorClock;
  readonly print: (line: string) => void;
  readonly onChange: (state: SupervisorState) => void;
  /** Stops the stack servers this run started; resolves with the names of those it stopped. */
  readonly stopStack: () => Promise<readonly string[]>;
  /** For the state file: this supervisor's pid and script. */
  readonly identity: { readonly pid: number; readonly script: string };
  readonly policy?: RestartPolicy;
  readonly stopFirst?: readonly string[];
  readonly grace?: StopGrace;
}

export const DEFAULT_STOP_GRACE: StopGrace = { firstMs: 20_000, restMs: 20_000 };

interface Slot {
  readonly spec: ServiceSpec;
  process: SupervisedProcess | undefined;
  /** Counts spawns, so events of an earlier process are told apart. */
  run: number;
  state: SupervisedServiceState;
  startedAt: number;
  restarts: number;
  streak: number;
  lastExit: SupervisedServiceExit | null;
  nextRestartAt: number | null;
  cancelRestart: (() => void) | undefined;
  exitWaiters: Array<() => void>;
}

export class Supervisor {
  private readonly slots: Slot[];
  private readonly startedAt: number;
  private stopRequested = false;
  private stopping: Promise<readonly string[]> | undefined;
  private hurried = false;

  constructor(private readonly options: SupervisorOptions) {
    this.startedAt = options.clock.now();
    this.slots = options.services.map((spec) => this.newSlot(spec));
  }

  /** Spawns every service. */
  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Spawns and supervises one more service (the demo's traffic, once the pipeline is up). */
  add(spec: ServiceSpec): void {
    if (this.stopRequested) return;
    const slot = this.newSlot(spec);
    this.slots.push(slot);
    this.spawn(slot);
  }

  /** Whether the named service has been started and is not restarting or stopped. */
  isRunning(name: string): boolean {
    return this.slots.some((slot) => slot.spec.name === name && slot.state === 'running');
  }

  private newSlot(spec: ServiceSpec): Slot {
    return {
      spec,
      process: undefined,
      run: 0,
      state: 'stopped',
      startedAt: this.options.clock.now(),
      restarts: 0,
      streak: 0,
      lastExit: null,
      nextRestartAt: null,
      cancelRestart: undefined,
      exitWaiters: [],
    };
  }

  /**
   * Stops the services in order, then the stack; resolves with the stack servers stopped. Later
   * calls return the same stop.
   */
  stop(reason: string): Promise<readonly string[]> {
    if (!this.stopping) {
      this.stopRequested = true;
      this.stopping = this.runStop(reason);
    }
    return this.stopping;
  }

  /** Hurries a stop under way: SIGKILL to every live service (the stack is still stopped after). */
  hurry(reason: string): void {
    if (!this.stopRequested || this.hurried) return;
    this.hurried = true;
    this.options.print(
      `allo-pipeline: ${reason} again: killing the services now; the stack still stops after`,
    );
    for (const slot of this.slots) slot.process?.kill('SIGKILL');
  }

  snapshot(): SupervisorState {
    const iso = (epochMs: number) => new Date(epochMs).toISOString();
    return {
      pid: this.options.identity.pid,
      startedAt: iso(this.startedAt),
      script: this.options.identity.script,
      stopping: this.stopRequested,
      services: this.slots.map((slot) => ({
        name: slot.spec.name,
        pid: slot.process?.pid ?? null,
        state: slot.state,
        restarts: slot.restarts,
        lastExit: slot.lastExit,
        nextRestartAt: slot.nextRestartAt === null ? null : iso(slot.nextRestartAt),
      })),
    };
  }

  private spawn(slot: Slot): void {
    const run = ++slot.run;
    slot.state = 'starting';
    slot.startedAt = this.options.clock.now();
    slot.process = this.options.spawn(slot.spec, {
      onReady: () => {
        if (run === slot.run) this.onReady(slot);
      },
      onExit: (exit) => {
        if (run === slot.run) this.onExit(slot, exit);
      },
    });
    this.changed();
  }

  private onReady(slot: Slot): void {
    if (slot.state !== 'starting') return;
    slot.state = 'running';
    if (slot.restarts > 0) this.options.print(backLine(slot.spec.name, slot.process?.pid, slot.restarts));
    this.changed();
  }

  private onExit(slot: Slot, exit: ProcessExit): void {
    const at = this.options.clock.now();
    const facts = { name: slot.spec.name, ...exit, at, uptimeMs: at - slot.startedAt };
    slot.run += 1;
    slot.process = undefined;
    slot.lastExit = {
      code: exit.code,
      signal: exit.signal,
      at: new Date(at).toISOString(),
      uptimeMs: facts.uptimeMs,
    };
    for (const resolve of slot.exitWaiters.splice(0)) resolve();
    if (this.stopRequested) {
      slot.state = 'stopped';
      return this.changed();
    }
    const decision = decideRestart(this.options.policy ?? DEFAULT_RESTART_POLICY, facts, slot.streak);
    if (decision.action === 'give-up') {
      slot.state = 'failed';
      this.options.print(configErrorLine(facts));
      return this.changed();
    }
    slot.state = 'restarting';
    slot.streak = decision.streak;
    slot.restarts += 1;
    slot.nextRestartAt = at + decision.delayMs;
    slot.cancelRestart = this.options.clock.schedule(() => this.restart(slot), decision.delayMs);
    this.options.print(restartingLine(facts, decision.delayMs, slot.restarts));
    this.changed();
  }

  private restart(slot: Slot): void {
    slot.cancelRestart = undefined;
    slot.nextRestartAt = null;
    if (!this.stopRequested) this.spawn(slot);
  }

  private async runStop(reason: string): Promise<readonly string[]> {
    this.options.print(`\nallo-pipeline: stopping (${reason})`);
    for (const slot of this.slots) this.cancelPendingRestart(slot);
    this.changed();
    const stopFirst = this.options.stopFirst ?? ['gateway'];
    const grace = this.options.grace ?? DEFAULT_STOP_GRACE;
    const first = this.slots.filter((slot) => stopFirst.includes(slot.spec.name));
    const rest = this.slots.filter((slot) => !stopFirst.includes(slot.spec.name));
    await Promise.all(first.map((slot) => this.stopService(slot, grace.firstMs)));
    await Promise.all(rest.map((slot) => this.stopService(slot, grace.restMs)));
    const stopped = await this.options.stopStack();
    this.options.print(
      `allo-pipeline: services stopped; stack servers stopped: ${stopped.join(', ') || 'none'}`,
    );
    return stopped;
  }

  private cancelPendingRestart(slot: Slot): void {
    if (!slot.cancelRestart) return;
    slot.cancelRestart();
    slot.cancelRestart = undefined;
    slot.nextRestartAt = null;
    slot.state = 'stopped';
  }

  /** SIGTERM (SIGKILL once hurried), SIGKILL after graceMs; resolves once the process has exited. */
  private async stopService(slot: Slot, graceMs: number): Promise<void> {
    const child = slot.process;
    if (!child) return;
    const began = this.options.clock.now();
    const exited = new Promise<void>((resolve) => slot.exitWaiters.push(resolve));
    const cancelKill = this.options.clock.schedule(() => {
      this.options.print(killingLine(slot.spec.name, graceMs));
      child.kill('SIGKILL');
    }, graceMs);
    child.kill(this.hurried ? 'SIGKILL' : 'SIGTERM');
    await exited;
    cancelKill();
    const took = seconds(this.options.clock.now() - began);
    const how = slot.lastExit ? describeExit(slot.lastExit) : 'exited';
    this.options.print(`allo-pipeline: ${slot.spec.name} stopped (${how}) in ${took}`);
  }

  private changed(): void {
    this.options.onChange(this.snapshot());
  }
}
