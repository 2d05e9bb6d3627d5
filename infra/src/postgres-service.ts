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
import { dirname, join } from 'node:path';
import pg from 'pg';
import { checkPostgresDataVersion } from './data-version.js';
import { binariesReachableBy, binariesVersion, loadBinaries, serverUser } from './postgres-binaries.js';
import type { PostgresBinaries, ServerUser } from './postgres-binaries.js';
import { isOurProcess, isProcessAlive, runCommand } from './process-control.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { POSTGRES_USER } from './stack-config.js';
import { StackError } from './stack-errors.js';
import { serviceHome } from './state-store.js';

/** Where the embedded server keeps its cluster (the read models and the registry's schemas). */
export function postgresPaths(config: StackConfig) {
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

/** Creates the cluster once (initdb, synced to disk), owned by the server user. */
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
  args.push(`--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C');
  const result = await runCommand(binaries.initdb, args, { cwd: paths.home, ...user });
  rmSync(pwFile, { force: true });
  if (result.code !== 0) throw new StackError(`postgres: initdb failed:\n${result.output}`);
  writeFileSync(paths.passwordFile, `${password}\n`, { mode: 0o600 });
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

/**
 * After a reboot, the pid in a leftover postmaster.pid may belong to another live process, and
 * Postgres then refuses to start ("lock file already exists"): such a file is removed. A pid that
 * is gone is left to Postgres, which checks for orphaned backends itself. A live server on this
 * data that the stack has no record of is reported, never touched.
 */
function clearRecycledPidFile(config: StackConfig): void {
  const { dataDir } = postgresPaths(config);
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;
  if (isOurProcess(pid, dataDir)) {
    throw new StackError(
      `postgres: a server (pid ${pid}) already runs on ${dataDir}, but the stack has no record of it. ` +
        `Stop it (kill -INT ${pid}) and run the command again.`,
    );
  }
  rmSync(pidFile, { force: true });
  config.progress(`postgres: removed a stale postmaster.pid (its pid ${pid} is now another process)`);
}

/** Refuses (StackVersionError) when the data folder's major differs from the binaries'. */
async function checkDataVersion(config: StackConfig, binaries: PostgresBinaries): Promise<string> {
  const version = await binariesVersion(binaries);
  const { dataDir } = postgresPaths(config);
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    checkPostgresDataVersion(readFileSync(versionFile, 'utf8').trim(), version, dataDir);
  }
  return version;
}

export const postgresService: ServiceRuntime = {
  name: 'postgres',
  readyTimeoutMs: 60_000,
  // SIGINT is Postgres' fast shutdown; SIGTERM would wait for every client to disconnect.
  stopSignal: 'SIGINT',
  ports: (config) => [{ envVar: 'POSTGRES_PORT', port: config.ports.POSTGRES_PORT }],
  marker: (config) => postgresPaths(config).dataDir,
  async prepare(config) {
    const user = await serverUser();
    const binaries = await binariesReachableBy(user, await loadBinaries());
    const version = await checkDataVersion(config, binaries);
    await initialiseOnce(config, binaries, user);
    clearRecycledPidFile(config);
    const { home, dataDir } = postgresPaths(config);
    // Lasting data (the read models, the registry's schemas): Postgres' default durability
    // (fsync, synchronous commit, full page writes). TCP on loopback only, no Unix socket.
    const settings = ['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'max_connections=200'];
    return {
      command: binaries.postgres,
      args: ['-D', dataDir, '-p', String(config.ports.POSTGRES_PORT), ...settings.flatMap((s) => ['-c', s])],
      cwd: home,
      version,
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
