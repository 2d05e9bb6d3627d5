import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  isOurProcess,
  isPortAnswering,
  isProcessAlive,
  spawnDetached,
  stopProcessGroup,
  tailFile,
  waitUntil,
} from './process-control.js';
import type { LaunchSpec } from './process-control.js';
import { recordDataVersion } from './data-version.js';
import { unitOf } from './service-runtime.js';
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { PortInUseError, ServerNotReadyError, StackError } from './stack-errors.js';
import { readServiceRecord, removeServiceRecord, serviceLogFile, writeServiceRecord } from './state-store.js';
import type { ServiceRecord } from './state-store.js';

const STOP_GRACE_MS = 20_000;

/**
 * Brings one service up unless our own instance already runs, on the data it left (a stale record,
 * e.g. after a reboot, is dropped and the server started again). Resolves 'started' or 'reused' once
 * it answers, and then records the version that ran on the data. Throws PortInUseError when a port is
 * taken by a foreign process, StackVersionError when the pinned version may not run on the data,
 * and ServerNotReadyError (with the log tail) when it exits or stays unready past its limit.
 */
export async function ensureServiceUp(
  runtime: ServiceRuntime,
  config: StackConfig,
): Promise<'started' | 'reused'> {
  const record = readServiceRecord(config.stateDir, unitOf(runtime, config));
  if (record && isOurProcess(record.pid, record.marker)) {
    assertSameStorage(runtime, config, record);
    await waitUntilReady(runtime, config, record.pid);
    config.progress(`${unitOf(runtime, config)}: already running (pid ${record.pid})`);
    return 'reused';
  }
  if (record) removeServiceRecord(config.stateDir, unitOf(runtime, config));
  await assertPortsFree(runtime, config);
  const spec = await runtime.prepare(config);
  const startedAt = Date.now();
  const pid = launch(runtime, config, spec);
  try {
    await waitUntilReady(runtime, config, pid);
  } catch (error) {
    await stopProcessGroup(pid, runtime.stopSignal, STOP_GRACE_MS);
    removeServiceRecord(config.stateDir, unitOf(runtime, config));
    throw error;
  }
  recordDataVersion(config.stateDir, runtime.name, spec.version);
  config.progress(`${unitOf(runtime, config)}: ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return 'started';
}

/** Spawns the server detached and records it (pid, ports, marker, storage); returns the pid. */
function launch(runtime: ServiceRuntime, config: StackConfig, spec: LaunchSpec): number {
  const logFile = serviceLogFile(config.stateDir, unitOf(runtime, config));
  mkdirSync(dirname(logFile), { recursive: true });
  const pid = spawnDetached(spec, logFile);
  const ports = Object.fromEntries(runtime.ports(config).map(({ envVar, port }) => [envVar, port]));
  writeServiceRecord(config.stateDir, {
    service: runtime.name,
    ...(unitOf(runtime, config) === runtime.name ? {} : { unit: unitOf(runtime, config) }),
    pid,
    ports,
    logFile,
    marker: runtime.marker(config),
    startedAt: new Date().toISOString(),
    ...(runtime.storage ? { storage: runtime.storage(config) } : {}),
  });
  config.progress(`${unitOf(runtime, config)}: started (pid ${pid}), waiting until ready; log ${logFile}`);
  return pid;
}

/**
 * A running server that keeps its data elsewhere than the configuration now says is not reused;
 * nor is one recorded without a storage (a registry started before it kept its schemas in Postgres).
 */
function assertSameStorage(runtime: ServiceRuntime, config: StackConfig, record: ServiceRecord): void {
  const wanted = runtime.storage?.(config);
  if (wanted === undefined || record.storage === wanted) return;
  const where = record.storage ?? 'memory (started by an older version of the stack)';
  throw new StackError(
    `${runtime.name}: already running (pid ${record.pid}) with its data in ${where}, but the stack now ` +
      `keeps it in ${wanted}. Restart it: npm run stack -- down ${runtime.name}, then up again` +
      (record.storage === undefined ? '.' : ', or restore the previous DATABASE_URL.'),
  );
}

async function assertPortsFree(runtime: ServiceRuntime, config: StackConfig): Promise<void> {
  for (const { envVar, port } of runtime.ports(config)) {
    if (await isPortAnswering(port)) throw new PortInUseError(runtime.name, port, envVar);
  }
}

async function waitUntilReady(runtime: ServiceRuntime, config: StackConfig, pid: number): Promise<void> {
  const logFile = serviceLogFile(config.stateDir, unitOf(runtime, config));
  let exited = false;
  const ready = await waitUntil(
    async () => {
      exited = !isProcessAlive(pid);
      return exited || (await runtime.isReady(config));
    },
    runtime.readyTimeoutMs,
    250,
  );
  if (exited)
    throw new ServerNotReadyError(
      runtime.name,
      `exited while starting (pid ${pid})`,
      logFile,
      tailFile(logFile),
    );
  if (!ready) {
    const limit = `did not become ready within ${runtime.readyTimeoutMs / 1000} s (pid ${pid})`;
    throw new ServerNotReadyError(runtime.name, limit, logFile, tailFile(logFile));
  }
}

/**
 * Stops the service this stack started (and nothing else) and removes its record. Never deletes
 * data: that is `stackReset`'s job alone. Resolves whether a live server was stopped. `signal`
 * SIGKILL kills it without a clean stop (fault tests: a crashed broker).
 */
export async function ensureServiceDown(
  runtime: ServiceRuntime,
  config: StackConfig,
  signal: NodeJS.Signals = runtime.stopSignal,
): Promise<boolean> {
  const record = readServiceRecord(config.stateDir, unitOf(runtime, config));
  if (!record) return false;
  const running = isOurProcess(record.pid, record.marker);
  if (running) {
    config.progress(`${unitOf(runtime, config)}: stopping (pid ${record.pid})`);
    await stopProcessGroup(record.pid, signal, STOP_GRACE_MS);
  }
  removeServiceRecord(config.stateDir, unitOf(runtime, config));
  return running;
}
