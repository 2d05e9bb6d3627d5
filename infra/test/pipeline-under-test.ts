import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { waitUntil } from '@allo-pipeline/projection-runtime';
import { parseSecret, type WebhookSecret } from '@allo-pipeline/webhook-signature';
import { readStackConfig, readSupervisorState, stackEndpoints } from '../src/index.js';
import type { StackEndpoints, SupervisedServiceStatus, SupervisorState } from '../src/index.js';
import { isPortAnswering, isProcessAlive, waitUntil as pollUntil } from '../src/process-control.js';
import { freePort } from './private-stack.js';

// `npm start` as a user runs it, as a child of the test: its own process group (so SIGINT to the
// group is a user's Ctrl-C), a private state folder under /var/tmp and free ports for every
// server and service, and none of the shared test stack's variables.

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RAW_TOPIC = 'allo.webhooks.raw';

/** Each service of `npm start` and the variable holding its HTTP port (its /readyz). */
export const SERVICE_PORTS = {
  gateway: 'GATEWAY_PORT',
  'projector-calls': 'PROJECTOR_CALLS_PORT',
  'projector-messages': 'PROJECTOR_MESSAGES_PORT',
  'projector-contacts': 'PROJECTOR_CONTACTS_PORT',
  'analytics-stream': 'ANALYTICS_STREAM_PORT',
  'query-api': 'API_PORT',
} as const;
export type ServiceName = keyof typeof SERVICE_PORTS;
/** The services `npm start` runs: those built (services/<name>/dist/main.js). */
export const SERVICES = (Object.keys(SERVICE_PORTS) as ServiceName[]).filter((name) =>
  existsSync(join(REPO_ROOT, 'services', name, 'dist', 'main.js')),
);

const STACK_PORTS = [
  'KAFKA_PORT',
  'KAFKA_CONTROLLER_PORT',
  'SCHEMA_REGISTRY_PORT',
  'SCHEMA_REGISTRY_MANAGEMENT_PORT',
  'POSTGRES_PORT',
];
/** Variables a child must not inherit from the test's environment (the shared stack's endpoints...). */
const INHERITED =
  /^(KAFKA_|SCHEMA_REGISTRY_|POSTGRES_|GATEWAY_|PROJECTOR_|API_|ALLO_(WEBHOOK|SOURCES|TEST)|RAW_TOPIC)/;
const OUTPUT_LINES_KEPT = 3_000;

/** The environment of an `npm start` child: free ports, `stateDir`, DATABASE_URL only when given. */
async function childEnvironment(
  stateDir: string,
  databaseUrl: string | undefined,
): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!INHERITED.test(name) && !['DATABASE_URL', 'STACK_STATE_DIR', 'LOG_LEVEL'].includes(name))
      env[name] = value;
  }
  for (const name of [...STACK_PORTS, ...Object.values(SERVICE_PORTS)]) env[name] = String(await freePort());
  env.STACK_STATE_DIR = stateDir;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return env;
}

export interface StopSummary {
  readonly seconds: number;
  /** npm start's output during the stop. */
  readonly output: string[];
  /** The stack servers the supervisor says it stopped, sorted. */
  readonly stackStopped: string[];
}

export class PipelineUnderTest {
  readonly endpoints: StackEndpoints;
  private child: ChildProcess | undefined;
  private closed: Promise<void> = Promise.resolve();
  private readonly lines: string[] = [];
  /** The unfinished last line of stdout and of stderr. */
  private readonly partial = new Map<string, string>();
  /** Lines dropped from the start of `lines` (only the last OUTPUT_LINES_KEPT are kept). */
  private dropped = 0;
  /** The processes of the run (supervisor, services, stack servers), by pid, named. */
  private readonly pids = new Map<number, string>();
  /** Process groups of the run (npm's, and each service's and stack server's), each named. */
  private readonly groups = new Map<number, string>();

  private constructor(
    readonly stateDir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.endpoints = stackEndpoints(readStackConfig({ stateDir, env }));
  }

  /** A run on a new state folder; `databaseUrl` makes it use that server instead of the embedded Postgres. */
  static async create(options: { databaseUrl?: string } = {}): Promise<PipelineUnderTest> {
    const stateDir = mkdtempSync('/var/tmp/allo-npm-start-test-');
    chmodSync(stateDir, 0o755); // the embedded Postgres runs as the `postgres` user
    return new PipelineUnderTest(stateDir, await childEnvironment(stateDir, options.databaseUrl));
  }

  url(service: ServiceName): string {
    return `http://127.0.0.1:${this.env[SERVICE_PORTS[service]]}`;
  }

  get webhookUrl(): string {
    return `${this.url('gateway')}/webhooks/allo`;
  }

  /** The development secret npm start generated (kept in the state folder). */
  webhookSecret(): WebhookSecret {
    return parseSecret(readFileSync(join(this.stateDir, 'dev-webhook-secret'), 'utf8'), 'dev-webhook-secret');
  }

  apiToken(): string {
    return readFileSync(join(this.stateDir, 'dev-api-token'), 'utf8').trim();
  }

  /** GET on the query API with the development token; the status and the JSON body. */
  async api<T>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url('query-api')}${path}`, {
      headers: { authorization: `Bearer ${this.apiToken()}` },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  kafka(): Kafka {
    return new Kafka({
      clientId: 'npm-start-test',
      brokers: [this.endpoints.kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
  }

  /** Runs `npm start [-- args]`; resolves once every service runs and answers /readyz with 200. */
  async start(timeoutMs = 150_000, args: readonly string[] = []): Promise<SupervisorState> {
    const child = spawn('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], {
      cwd: REPO_ROOT,
      env: this.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout.on('data', (chunk) => this.keep('out', String(chunk)));
    child.stderr.on('data', (chunk) => this.keep('err', String(chunk)));
    if (child.pid !== undefined) this.groups.set(child.pid, 'npm start');
    await this.explained(() =>
      waitUntil('npm start: every service running and ready', () => this.allReady(child), timeoutMs),
    );
    for (const file of readdirSync(join(this.stateDir, 'pids'))) {
      const record = JSON.parse(readFileSync(join(this.stateDir, 'pids', file), 'utf8')) as {
        pid: number;
        service: string;
      };
      this.pids.set(record.pid, record.service);
      this.groups.set(record.pid, record.service);
    }
    return this.supervisor();
  }

  /** supervisor.json of the running supervisor (its pids are remembered for the leftover check). */
  supervisor(): SupervisorState {
    const state = this.track();
    if (!state) throw new Error(`no live supervisor state in ${this.stateDir}\n${this.outputTail()}`);
    return state;
  }

  /** Remembers the supervisor's processes; forgets those already gone (their pids may be recycled). */
  private track(): SupervisorState | undefined {
    for (const pid of this.pids.keys()) if (!isProcessAlive(pid)) this.pids.delete(pid);
    for (const group of this.groups.keys()) if (!groupHasProcesses(group)) this.groups.delete(group);
    const state = readSupervisorState(this.stateDir);
    if (state) this.pids.set(state.pid, 'supervisor');
    for (const { pid, name } of state?.services ?? []) {
      if (pid === null) continue;
      this.pids.set(pid, name);
      this.groups.set(pid, name);
    }
    return state;
  }

  service(name: ServiceName): SupervisedServiceStatus {
    const found = this.supervisor().services.find((service) => service.name === name);
    if (!found) throw new Error(`supervisor.json has no ${name}`);
    return found;
  }

  async isReady(service: ServiceName): Promise<boolean> {
    try {
      return (
        (await fetch(`${this.url(service)}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200
      );
    } catch {
      return false;
    }
  }

  private async allReady(child: ChildProcess): Promise<boolean> {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error('npm start exited while starting');
    const state = readSupervisorState(this.stateDir);
    // Every service of the pipeline, and nothing else but the demo's traffic (`--demo`).
    const names = state?.services.map(({ name }) => name).filter((name) => name !== 'demo');
    if (JSON.stringify(names?.sort()) !== JSON.stringify([...SERVICES].sort())) return false;
    if (!state?.services.every(({ state: s }) => s === 'running')) return false;
    return (await Promise.all(SERVICES.map((name) => this.isReady(name)))).every(Boolean);
  }

  /**
   * Ctrl-C: SIGINT to the process group; waits until npm exited and every process of the run is
   * gone, then throws if a process, a process group or a port of the run is still there.
   */
  async stop(timeoutMs = 90_000): Promise<StopSummary> {
    const child = this.child;
    if (!child?.pid) throw new Error('npm start is not running');
    this.track();
    const from = this.dropped + this.lines.length;
    const began = Date.now();
    if (groupHasProcesses(child.pid)) process.kill(-child.pid, 'SIGINT');
    await pollUntil(async () => (await this.leftovers()).length === 0, timeoutMs);
    const left = await this.leftovers();
    const seconds = (Date.now() - began) / 1000;
    // Every writer of the output pipe is gone: its last lines arrive with 'close'.
    await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    if (left.length > 0) throw new Error(`left after the stop: ${left.join('; ')}\n${this.outputTail()}`);
    // All verified gone: a later run's check must not trip over these pids once recycled.
    this.child = undefined;
    this.pids.clear();
    this.groups.clear();
    const output = this.lines.slice(Math.max(0, from - this.dropped));
    const summary = /stack servers stopped: (.*)$/m.exec(output.join('\n'));
    return {
      seconds,
      output,
      stackStopped: (summary?.[1] ?? '')
        .split(', ')
        .filter((name) => name && name !== 'none')
        .sort(),
    };
  }

  /** npm start's output so far (the last OUTPUT_LINES_KEPT lines), stdout and stderr interleaved. */
  output(): readonly string[] {
    return [...this.lines];
  }

  /** What of the run is still there: live pids, non-empty process groups, answering ports. */
  async leftovers(): Promise<string[]> {
    const left: string[] = [];
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) left.push('npm');
    for (const [pid, name] of this.pids) if (isProcessAlive(pid)) left.push(`${name} pid ${pid}`);
    for (const [group, name] of this.groups)
      if (groupHasProcesses(group)) left.push(`${name} process group ${group}`);
    for (const name of [...STACK_PORTS, ...Object.values(SERVICE_PORTS)]) {
      if (await isPortAnswering(Number(this.env[name]))) left.push(`port ${name}=${this.env[name]}`);
    }
    return left;
  }

  /** After the tests (also failed ones): SIGKILL what is left of the run, delete the state folder. */
  async dispose(): Promise<void> {
    if ((await this.leftovers()).length > 0) {
      for (const group of this.groups.keys()) if (groupHasProcesses(group)) process.kill(-group, 'SIGKILL');
      for (const pid of this.pids.keys()) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
      await pollUntil(async () => (await this.leftovers()).length === 0, 15_000);
    }
    if (existsSync(this.stateDir)) rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** Runs `body`; on failure, the error's message gets the end of npm start's output. */
  async explained<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n\n${this.outputTail()}`, { cause: error });
    }
  }

  outputTail(count = 150): string {
    return `--- npm start output (last ${count} lines, state ${this.stateDir}) ---\n${this.lines.slice(-count).join('\n')}`;
  }

  private keep(stream: string, chunk: string): void {
    const lines = `${this.partial.get(stream) ?? ''}${chunk}`.split('\n');
    this.partial.set(stream, lines.pop() ?? '');
    this.lines.push(...lines);
    const excess = this.lines.length - OUTPUT_LINES_KEPT;
    if (excess > 0) {
      this.lines.splice(0, excess);
      this.dropped += excess;
    }
  }
}

function groupHasProcesses(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
