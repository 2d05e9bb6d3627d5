import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortEnvVar, ServiceName } from './stack-config.js';

/**
 * One server process of the stack: a service's name, or `kafka-<node id>` for a node of a
 * several-broker Kafka (each has its own record and log; a single broker stays `kafka`).
 */
export type UnitName = ServiceName | `kafka-${number}`;

/** What `up` remembers about a server it started, so `down` stops exactly that. */
export interface ServiceRecord {
  readonly service: ServiceName;
  /** The process's own name when the service runs several (kafka-2); absent: the service's. */
  readonly unit?: UnitName;
  readonly pid: number;
  readonly ports: Partial<Record<PortEnvVar, number>>;
  readonly logFile: string;
  /** A path that appears in the server's command line; guards against recycled pids. */
  readonly marker: string;
  readonly startedAt: string;
  /** Where the server keeps its data when that is not its own folder (the registry: a JDBC URL, no password). */
  readonly storage?: string;
}

/** The log file of a service (or one Kafka node): `<stateDir>/logs/<unit>.log`. */
export function serviceLogFile(stateDir: string, service: UnitName): string {
  return join(stateDir, 'logs', `${service}.log`);
}

/** The working folder (configuration, data, version record) of a service: `<stateDir>/<service>`. */
export function serviceHome(stateDir: string, service: ServiceName): string {
  return join(stateDir, service);
}

function recordPath(stateDir: string, service: UnitName): string {
  return join(stateDir, 'pids', `${service}.json`);
}

/** The record of a started service, or undefined when there is none (or it is unreadable). */
export function readServiceRecord(stateDir: string, service: UnitName): ServiceRecord | undefined {
  const path = recordPath(stateDir, service);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ServiceRecord;
  } catch {
    return undefined;
  }
}

export function writeServiceRecord(stateDir: string, record: ServiceRecord): void {
  mkdirSync(join(stateDir, 'pids'), { recursive: true });
  writeFileSync(recordPath(stateDir, record.unit ?? record.service), `${JSON.stringify(record, null, 2)}\n`);
}

export function removeServiceRecord(stateDir: string, service: UnitName): void {
  rmSync(recordPath(stateDir, service), { force: true });
}
