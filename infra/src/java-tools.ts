import { accessSync, constants, existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ToolMissingError } from './stack-errors.js';

/** A Java runtime found on this machine. */
export interface JavaRuntime {
  readonly javaBin: string;
  readonly home: string;
  readonly major: number;
  readonly version: string;
}

const JVM_FOLDERS = ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines'];

/** Finds an executable on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * Picks a Java runtime of at least `minMajor`: JAVA_HOME first, then `java` on PATH, then the
 * newest under the usual JVM folders. Throws ToolMissingError telling how to install one.
 */
export function findJava(minMajor: number, purpose: string, env: NodeJS.ProcessEnv): JavaRuntime {
  const preferred = [homeOf(env.JAVA_HOME), homeOfBinary(findOnPath('java', env))];
  const installed = JVM_FOLDERS.flatMap(listJavaHomes).map(readRuntime);
  const found = [
    ...preferred.map(readRuntime),
    ...installed.sort((a, b) => (b?.major ?? 0) - (a?.major ?? 0)),
  ];
  const suitable = found.find((runtime) => runtime !== undefined && runtime.major >= minMajor);
  if (suitable) return suitable;
  const seen = found.filter((runtime) => runtime !== undefined).map((r) => `${r.version} at ${r.home}`);
  throw new ToolMissingError(
    'java',
    `${purpose} needs Java ${minMajor} or newer; ` +
      (seen.length > 0 ? `found only ${[...new Set(seen)].join(', ')}. ` : 'no Java runtime found. ') +
      `Install one (Debian/Ubuntu: apt-get install openjdk-${Math.max(minMajor, 21)}-jre-headless, ` +
      `or a Temurin JDK; macOS: brew install openjdk@21) and set JAVA_HOME to it.`,
  );
}

function homeOf(path: string | undefined): string | undefined {
  return path && existsSync(join(path, 'bin', 'java')) ? path : undefined;
}

function homeOfBinary(javaBin: string | undefined): string | undefined {
  return javaBin ? dirname(dirname(realpathSync(javaBin))) : undefined;
}

function listJavaHomes(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => join(folder, name))
    .map((home) => (existsSync(join(home, 'Contents', 'Home')) ? join(home, 'Contents', 'Home') : home))
    .filter((home) => existsSync(join(home, 'bin', 'java')));
}

/** Reads the version from the JDK's `release` file (no JVM start needed). */
function readRuntime(home: string | undefined): JavaRuntime | undefined {
  if (!home || !existsSync(join(home, 'release'))) return undefined;
  const match = /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(join(home, 'release'), 'utf8'));
  if (!match?.[1]) return undefined;
  const version = match[1];
  const parts = version.split('.');
  const major = Number(parts[0] === '1' ? parts[1] : parts[0]);
  return { javaBin: join(home, 'bin', 'java'), home, major, version };
}

/** Path of `mvn`; throws ToolMissingError telling how to install Maven. */
export function findMaven(env: NodeJS.ProcessEnv): string {
  const mvn = findOnPath('mvn', env);
  if (mvn) return mvn;
  throw new ToolMissingError(
    'mvn',
    'Apache Maven (mvn) is needed once to fetch the Kafka and Apicurio Registry jars from Maven Central, ' +
      'and is not on PATH. Install it (Debian/Ubuntu: apt-get install maven; macOS: brew install maven).',
  );
}
