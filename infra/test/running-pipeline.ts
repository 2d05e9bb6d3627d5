import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { readProjectionStatus, waitUntil } from '@allo-pipeline/projection-runtime';
import { PROJECTION_NAMES, type ReadModelDatabase } from '@allo-pipeline/read-models';
import { isPortAnswering, isProcessAlive } from '../src/process-control.js';
import { repoRoot } from '../src/stack-config.js';
import { readSupervisorState, type SupervisorState } from '../src/supervisor-state.js';
import { freePort } from './private-stack.js';

// `npm start` as a user runs it, for end-to-end tests: its own state folder and free ports for
// every server and service, started as a child in its own process group and stopped with SIGINT
// to that group (what Ctrl-C sends). Clients for its Kafka, Postgres and HTTP services.

const PORT_NAMES = [
  'KAFKA_PORT',
  'KAFKA_CONTROLLER_PORT',
  'SCHEMA_REGISTRY_PORT',
  'SCHEMA_REGISTRY_MANAGEMENT_PORT',
  'POSTGRES_PORT',
  'GATEWAY_PORT',
  'PROJECTOR_CALLS_PORT',
  'PROJECTOR_MESSAGES_PORT',
  'PROJECTOR_CONTACTS_PORT',
  'API_PORT',
] as const;
type PortName = (typeof PORT_NAMES)[number];

/** Which HTTP port answers /readyz for each supervised service. */
export const SERVICE_PORTS: Record<string, PortName> = {
  gateway: 'GATEWAY_PORT',
  'projector-calls': 'PROJECTOR_CALLS_PORT',
  'projector-messages': 'PROJECTOR_MESSAGES_PORT',
  'projector-contacts': 'PROJECTOR_CONTACTS_PORT',
  'query-api': 'API_PORT',
};

/** One installation: a state folder, its ports and credentials; `npm start` can run on it again and again. */
export interface Installation {
  readonly stateDir: string;
  readonly ports: Readonly<Record<PortName, number>>;
  /** An external read-model database, or undefined for the embedded Postgres. */
  readonly externalDatabaseUrl: string | undefined;
  readonly secret: string;
  readonly token: string;
}

export async function newInstallation(externalDatabaseUrl?: string): Promise<Installation> {
  const stateDir = mkdtempSync(join('/var/tmp', 'allo-e2e-'));
  // As root the embedded Postgres runs as `postgres`, which must enter the state folder.
  chmodSync(stateDir, 0o755);
  const ports = {} as Record<PortName, number>;
  for (const name of PORT_NAMES) ports[name] = await freePort();
  return {
    stateDir,
    ports,
    externalDatabaseUrl,
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    token: `e2e_${randomBytes(16).toString('hex')}`,
  };
}

export function removeInstallation(installation: Installation): void {
  rmSync(installation.stateDir, { recursive: true, force: true });
}

export function databaseUrl(installation: Installation): string {
  return (
    installation.externalDatabaseUrl ??
    `postgres://postgres:allo-local@127.0.0.1:${installation.ports.POSTGRES_PORT}/postgres`
  );
}

export function url(installation: Installation, port: PortName, path: string): string {
  return `http://127.0.0.1:${installation.ports[port]}${path}`;
}

/** The environment of `npm start` and of the CLI for this installation (nothing from the test's stack). */
export function installationEnv(installation: Installation): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL', 'ALLO_TEST_STACK_STARTED'])
    delete env[name];
  for (const name of PORT_NAMES) env[name] = String(installation.ports[name]);
  Object.assign(env, {
    STACK_STATE_DIR: installation.stateDir,
    ALLO_WEBHOOK_SECRET: installation.secret,
    API_TOKENS: installation.token,
    GATEWAY_HOST: '127.0.0.1',
    PROJECTOR_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  if (installation.externalDatabaseUrl) env.DATABASE_URL = installation.externalDatabaseUrl;
  return env;
}

/** A running `npm start`: its process group, its output (shown when a test fails), and its stop. */
export class RunningPipeline {
  private readonly output: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    readonly installation: Installation,
    private readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => this.remember(chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Runs `npm start` and resolves once every service answers its /readyz. */
  static async start(installation: Installation, timeoutMs = 150_000): Promise<RunningPipeline> {
    const child = spawn('npm', ['start'], {
      cwd: repoRoot(),
      env: installationEnv(installation),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running = new RunningPipeline(installation, child);
    await running.waitServing(timeoutMs);
    return running;
  }

  /** The last lines npm start printed (for failure messages). */
  tail(lines = 60): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  supervisor(): SupervisorState | undefined {
    return readSupervisorState(this.installation.stateDir);
  }

  async waitServing(timeoutMs = 60_000): Promise<void> {
    await waitUntil(
      'every service of npm start to be ready',
      async () =>
        (await Promise.all(Object.keys(SERVICE_PORTS).map((s) => this.isServing(s)))).every(Boolean),
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; npm start printed:\n${this.tail()}`);
    });
  }

  /** Whether the service answers /readyz with 200 and the supervisor reports it running. */
  async isServing(service: string): Promise<boolean> {
    const entry = this.supervisor()?.services.find((s) => s.name === service);
    if (entry?.state !== 'running') return false;
    try {
      const response = await fetch(url(this.installation, SERVICE_PORTS[service]!, '/readyz'), {
        signal: AbortSignal.timeout(2_000),
      });
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /**
   * Ctrl-C: SIGINT to the process group. npm itself dies of the signal at once; resolves with the
   * supervisor's last line once every process of the run (supervisor, services, the stack servers
   * it started) is gone.
   */
  async stop(timeoutMs = 90_000): Promise<string> {
    const pids = this.pidsOfTheRun();
    process.kill(-this.child.pid!, 'SIGINT');
    await this.exited;
    await waitUntil(
      'every process of the run to be gone',
      () => Promise.resolve(!pids.some(isProcessAlive)),
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; npm start printed:\n${this.tail()}`);
    });
    return this.output.join('').trimEnd().split('\n').at(-1) ?? '';
  }

  /** The supervisor, its services and the stack servers of this state folder. */
  private pidsOfTheRun(): number[] {
    const state = this.supervisor();
    const services = (state?.services ?? []).flatMap((s) => (s.pid === null ? [] : [s.pid]));
    const pidsDir = join(this.installation.stateDir, 'pids');
    const servers = existsSync(pidsDir)
      ? readdirSync(pidsDir).map(
          (f) => (JSON.parse(readFileSync(join(pidsDir, f), 'utf8')) as { pid: number }).pid,
        )
      : [];
    return [...(state ? [state.pid] : []), ...services, ...servers];
  }

  private remember(chunk: Buffer): void {
    this.output.push(chunk.toString('utf8'));
    if (this.output.length > 2_000) this.output.splice(0, 1_000);
  }
}

/** Ports of the installation that still accept connections (none once npm start stopped its stack). */
export async function portsStillOpen(installation: Installation): Promise<string[]> {
  const open = await Promise.all(PORT_NAMES.map((name) => isPortAnswering(installation.ports[name])));
  return PORT_NAMES.filter((_, i) => open[i]);
}

/** Clients of an installation's Kafka and read-model database. */
export interface PipelineClients {
  readonly db: Kysely<ReadModelDatabase>;
  readonly kafka: Kafka;
  readonly admin: Admin;
  close(): Promise<void>;
}

export async function connectClients(installation: Installation): Promise<PipelineClients> {
  const db = new Kysely<ReadModelDatabase>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: databaseUrl(installation), max: 2 }),
    }),
  });
  const kafka = new Kafka({
    clientId: 'e2e-test',
    brokers: [`127.0.0.1:${installation.ports.KAFKA_PORT}`],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  return {
    db,
    kafka,
    admin,
    async close() {
      await admin.disconnect();
      await db.destroy();
    },
  };
}

/** Every projection has applied the whole raw topic and none is stopped. */
export async function allProjected(clients: PipelineClients, topic = 'allo.webhooks.raw'): Promise<boolean> {
  const statuses = await Promise.all(
    PROJECTION_NAMES.map((name) => readProjectionStatus(clients.db, clients.admin, name, topic)),
  );
  return statuses.every((s) => s.lag === 0 && s.problems.length === 0 && s.partitions.length > 0);
}

/** The webhook ids of every record in the raw topic, read from its start to its current end. */
export async function rawWebhookIds(
  clients: PipelineClients,
  topic = 'allo.webhooks.raw',
): Promise<string[]> {
  const ends = await clients.admin.fetchTopicOffsets(topic);
  const remaining = new Map(ends.filter((e) => e.high !== '0').map((e) => [e.partition, BigInt(e.high)]));
  const ids: string[] = [];
  if (remaining.size === 0) return ids;
  const consumer = clients.kafka.consumer({
    groupId: `e2e-raw-${randomBytes(4).toString('hex')}`,
    sessionTimeout: 6_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: ({ partition, message }) => {
        ids.push(String(message.headers?.['webhook-id'] ?? ''));
        const end = remaining.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) resolve();
        return Promise.resolve();
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('reading the raw topic timed out')), 60_000);
  });
  await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  await consumer.disconnect();
  return ids;
}
