import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@allo-pipeline/projection-runtime';

// One pipeline service as a real child process (`node services/<name>/dist/main.js`), the way a
// user or a supervisor runs it: its stdout and stderr (pino JSON) are kept in memory and appended
// to a file, so that a scenario can read them and the suite can scan them for secrets. A
// scenario SIGKILLs and restarts it; with `restartOnFailure`, an exit with code 1 (a start-up
// that failed, e.g. the registry unreachable) is restarted after a pause, as the supervisor does.

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The service directories a scenario starts. */
export type ServiceKind = 'gateway' | 'projector-calls' | 'projector-messages' | 'projector-contacts';

export interface ServiceSpec {
  readonly kind: ServiceKind;
  /** Names this instance in logs and file names, e.g. gateway-b. */
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  /** Its HTTP port (/readyz). */
  readonly port: number;
  /** Folder for `<name>.log`. */
  readonly logDir: string;
  /** Restart after an exit with code 1 (start-up failure) as the supervisor does. Default false. */
  readonly restartOnFailure?: boolean;
}

const RESTART_PAUSE_MS = 1_000;

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly partial = new Map<string, string>();
  /** Every output line of every run of this service, in order. */
  readonly lines: string[] = [];
  /** Exit codes / signals of the runs that ended, e.g. 'SIGKILL' or '1'. */
  readonly exits: string[] = [];
  /** How many processes were started (1 + restarts). */
  starts = 0;
  private stopping = false;
  readonly logFile: string;

  constructor(readonly spec: ServiceSpec) {
    mkdirSync(spec.logDir, { recursive: true });
    this.logFile = join(spec.logDir, `${spec.name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process; does not wait for readiness (see waitReady). */
  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    this.stopping = false;
    const main = join(REPO_ROOT, 'services', this.spec.kind, 'dist', 'main.js');
    const child = spawn(process.execPath, [main], {
      cwd: REPO_ROOT,
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.starts++;
    this.child = child;
    this.note(`started pid ${child.pid}`);
    child.stdout?.on('data', (chunk: Buffer) => this.keep('out', chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.keep('err', chunk.toString('utf8')));
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        const how = signal ?? String(code);
        this.exits.push(how);
        this.note(`exited ${how}`);
        resolve();
        if (code === 1 && this.spec.restartOnFailure && !this.stopping && this.child === child) {
          setTimeout(() => {
            if (!this.stopping && this.child === child) this.start();
          }, RESTART_PAUSE_MS).unref();
        }
      }),
    );
  }

  /** Resolves once /readyz answers 200 (throws with the output's end on timeout or exit). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.explained(() =>
      waitUntil(
        `${this.spec.name} ready`,
        async () => {
          if (!this.running && !this.spec.restartOnFailure) throw new Error(`${this.spec.name} exited`);
          return (await this.readyStatus()) === 200;
        },
        timeoutMs,
      ),
    );
  }

  /** The status of GET /readyz and its body, or undefined when nothing answers. */
  async readiness(): Promise<{ status: number; body: string } | undefined> {
    try {
      const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(3_000) });
      return { status: response.status, body: await response.text() };
    } catch {
      return undefined;
    }
  }

  private async readyStatus(): Promise<number | undefined> {
    return (await this.readiness())?.status;
  }

  /** SIGKILLs the process and waits until it is gone (no graceful anything). */
  async kill(): Promise<void> {
    this.stopping = true;
    if (this.running) this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful stop); SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    if (!this.running) return this.exited;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Runs `body`; on failure the error's message gets the end of this service's output. */
  async explained<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n\n${this.outputTail()}`, { cause: error });
    }
  }

  outputTail(count = 40): string {
    return `--- ${this.spec.name} output (last ${count} lines, ${this.logFile}) ---\n${this.lines.slice(-count).join('\n')}`;
  }

  /** Output lines that are pino JSON, parsed. */
  logRecords(): Array<Record<string, unknown>> {
    const records: Array<Record<string, unknown>> = [];
    for (const line of this.lines) {
      if (!line.startsWith('{')) continue;
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON: kept in lines only
      }
    }
    return records;
  }

  private note(text: string): void {
    appendFileSync(this.logFile, `# ${new Date().toISOString()} ${this.spec.name} ${text}\n`);
  }

  private keep(stream: string, chunk: string): void {
    const lines = `${this.partial.get(stream) ?? ''}${chunk}`.split('\n');
    this.partial.set(stream, lines.pop() ?? '');
    if (lines.length === 0) return;
    this.lines.push(...lines);
    appendFileSync(this.logFile, `${lines.join('\n')}\n`);
  }
}
