// The supervisor's console lines (plain text, one per event), kept apart so the wording is in one place.

export interface ExitFacts {
  readonly name: string;
  readonly code: number | null;
  readonly signal: string | null;
  /** Epoch ms of the exit. */
  readonly at: number;
  readonly uptimeMs: number;
}

/** `signal SIGKILL`, `code 1`, or `no exit code` (a process that could not be spawned). */
export function describeExit({ code, signal }: Pick<ExitFacts, 'code' | 'signal'>): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'no exit code' : `code ${code}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Local wall-clock time, HH:MM:SS. */
export function clockTime(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}

export function restartingLine(exit: ExitFacts, delayMs: number, restarts: number): string {
  return (
    `allo-pipeline: ${exit.name} exited (${describeExit(exit)}) at ${clockTime(exit.at)} after ` +
    `${seconds(exit.uptimeMs)}; restarting in ${Math.round(delayMs / 1000)} s (restart ${restarts})`
  );
}

export function configErrorLine(exit: ExitFacts): string {
  return (
    `allo-pipeline: ${exit.name} exited with code 2 (configuration error) at ${clockTime(exit.at)} ` +
    `after ${seconds(exit.uptimeMs)}; not restarting it (its last log lines above say what to fix). ` +
    'The other services keep running.'
  );
}

export function backLine(name: string, pid: number | undefined, restarts: number): string {
  return `allo-pipeline: ${name} is back (pid ${pid ?? '?'}, restart ${restarts})`;
}

export function killingLine(name: string, graceMs: number): string {
  return `allo-pipeline: ${name} did not stop within ${seconds(graceMs)}; killing it (SIGKILL)`;
}
