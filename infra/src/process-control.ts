import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { Socket } from 'node:net';

/** What to run for one server. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user (Postgres refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Starts a server in its own process group (pid = pgid), stdout and stderr appended to logFile,
 * detached from this process so it outlives the CLI. Returns the pid.
 */
export function spawnDetached(spec: LaunchSpec, logFile: string): number {
  const logFd = openSync(logFile, 'w');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
    // A failed exec (no such binary) surfaces as an 'error' event; the readiness wait reports it.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    return child.pid;
  } finally {
    closeSync(logFd);
  }
}

/** Whether a process with this pid exists (zombies excluded where /proc tells). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const statPath = `/proc/${pid}/stat`;
  if (!existsSync(statPath)) return true;
  const stat = readFileSync(statPath, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/**
 * Whether the live process `pid` is the one we started: its command line mentions `marker`
 * (a path inside the state folder). Guards against a recycled pid. True where /proc is absent.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isProcessAlive(pid)) return false;
  const cmdlinePath = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self')) return true;
  try {
    return readFileSync(cmdlinePath, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Stops a process group: `signal` first, SIGKILL to the group after graceMs. Resolves once the
 * group leader is gone. Never signals anything outside the group.
 */
export async function stopProcessGroup(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!signalGroup(pid, signal)) return;
  const stopped = await waitUntil(() => Promise.resolve(!isProcessAlive(pid)), graceMs, 100);
  if (stopped) return;
  signalGroup(pid, 'SIGKILL');
  await waitUntil(() => Promise.resolve(!isProcessAlive(pid)), 5_000, 100);
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether a TCP connection to host:port opens within timeoutMs. */
export function isPortAnswering(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** Polls `condition` until it holds (true) or timeoutMs passes (false). */
export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The last `lines` lines of a text file, or a note that it does not exist. */
export function tailFile(path: string, lines = 30): string {
  if (!existsSync(path)) return '(no log file)';
  // Read only the end: logs of a long-running broker grow large.
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}

/** Whether the first maxBytes of a file contain `text` (startup lines sit near the top). */
export function fileHeadIncludes(path: string, text: string, maxBytes = 4 * 1024 * 1024): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(fstatSync(fd).size, maxBytes));
    readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8').includes(text);
  } finally {
    closeSync(fd);
  }
}

/** Runs a command, resolving with its exit code and combined output (never rejects). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}${error && code === 1 ? String(error.message) : ''}` });
    });
  });
}
