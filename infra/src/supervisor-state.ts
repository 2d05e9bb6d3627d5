import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isOurProcess } from './process-control.js';

// `<stateDir>/supervisor.json`: what `npm start`'s supervisor runs, for `npm run cli -- status`.
// Written whole on every change (write a temporary file, then rename: a reader never sees half
// a file), mode 600. A file whose supervisor is gone (killed outright) is stale: the reader
// ignores it rather than report services that no longer run.

export type SupervisedServiceState = 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

export interface SupervisedServiceExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** ISO time of the exit. */
  readonly at: string;
  readonly uptimeMs: number;
}

export interface SupervisedServiceStatus {
  readonly name: string;
  /** null while no process runs (restarting, stopped, failed). */
  readonly pid: number | null;
  readonly state: SupervisedServiceState;
  readonly restarts: number;
  readonly lastExit: SupervisedServiceExit | null;
  /** ISO time of the pending restart, while restarting. */
  readonly nextRestartAt: string | null;
}

export interface SupervisorState {
  readonly pid: number;
  /** ISO time the supervisor started. */
  readonly startedAt: string;
  /** The supervisor's script (process.argv[1]); its file name tells a recycled pid from ours. */
  readonly script: string;
  /** True once a stop has begun (nothing is restarted any more). */
  readonly stopping: boolean;
  readonly services: readonly SupervisedServiceStatus[];
}

export function supervisorStatePath(stateDir: string): string {
  return join(stateDir, 'supervisor.json');
}

export function writeSupervisorState(stateDir: string, state: SupervisorState): void {
  mkdirSync(stateDir, { recursive: true });
  const path = supervisorStatePath(stateDir);
  const temporary = `${path}.${process.pid}.tmp`;
  // A leftover temporary file would keep its old mode: start from none.
  rmSync(temporary, { force: true });
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function removeSupervisorState(stateDir: string): void {
  rmSync(supervisorStatePath(stateDir), { force: true });
}

/**
 * The state of the supervisor running on this state folder, or undefined when there is none:
 * no file, an unreadable one, or one whose supervisor process is no longer alive.
 */
export function readSupervisorState(stateDir: string): SupervisorState | undefined {
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(supervisorStatePath(stateDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isSupervisorState(state)) return undefined;
  // The command line may name the script relative to where it was started: match its file name.
  return isOurProcess(state.pid, basename(state.script)) ? state : undefined;
}

function isSupervisorState(value: unknown): value is SupervisorState {
  if (typeof value !== 'object' || value === null) return false;
  const { pid, script, services } = value as Partial<Record<keyof SupervisorState, unknown>>;
  return Number.isInteger(pid) && typeof script === 'string' && script !== '' && Array.isArray(services);
}
