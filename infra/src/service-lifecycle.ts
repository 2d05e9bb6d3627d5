import { mkdirSync, rmSync } from 'node:fs';
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
import type { ServiceRuntime } from './service-runtime.js';
import type { StackConfig } from './stack-config.js';
import { PortInUseError, ServerNotReadyError } from './stack-errors.js';
import {
  readServiceRecord,
  removeServiceRecord,
  serviceHome,
  serviceLogFile,
  writeServiceRecord,
} from './state-store.js';

const STOP_GRACE_MS = 20_000;

/**
 * Brings one service up unless our own instance already runs. Resolves 'started' or 'reused'
 * once it answers. Throws PortInUseError when a port is taken by a foreign process, and
 * ServerNotReadyError (with the log tail) when it exits or stays unready past its limit.
 */
export async function ensureServiceUp(
  runtime: ServiceRuntime,
  config: StackConfig,
): Promise<'started' | 'reused'> {
  const record = readServiceRecord(config.stateDir, runtime.name);
  if (record && isOurProcess(record.pid, record.marker)) {
    await waitUntilReady(runtime, config, record.pid);
    config.progress(`${runtime.name}: already running (pid ${record.pid})`);
    return 'reused';
  }
  if (record) removeServiceRecord(config.stateDir, runtime.name);
  await assertPortsFree(runtime, config);
  const spec = await runtime.prepare(config);
  const logFile = serviceLogFile(config.stateDir, runtime.name);
  mkdirSync(dirname(logFile), { recursive: true });
  const startedAt = Date.now();
  const pid = spawnDetached(spec, logFile);
  const ports = Object.fromEntries(runtime.ports(config).map(({ envVar, port }) => [envVar, port]));
  const marker = runtime.marker(config);
  writeServiceRecord(config.stateDir, {
    service: runtime.name,
    pid,
    ports,
    logFile,
    marker,
    startedAt: new Date().toISOString(),
  });
  config.progress(`${runtime.name}: started (pid ${pid}), waiting until ready; log ${logFile}`);
  try {
    await waitUntilReady(runtime, config, pid);
  } catch (error) {
    await stopProcessGroup(pid, runtime.stopSignal, STOP_GRACE_MS);
    removeServiceRecord(config.stateDir, runtime.name);
    throw error;
  }
  config.progress(`${runtime.name}: ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return 'started';
}

async function assertPortsFree(runtime: ServiceRuntime, config: StackConfig): Promise<void> {
  for (const { envVar, port } of runtime.ports(config)) {
    if (await isPortAnswering(port)) throw new PortInUseError(runtime.name, port, envVar);
  }
}

async function waitUntilReady(runtime: ServiceRuntime, config: StackConfig, pid: number): Promise<void> {
  const logFile = serviceLogFile(config.stateDir, runtime.name);
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
 * Stops the service this stack started (and nothing else), then removes its record and data
 * folder: the local stack is throwaway, like the in-memory registry. Resolves whether a live
 * server was stopped.
 */
export async function ensureServiceDown(runtime: ServiceRuntime, config: StackConfig): Promise<boolean> {
  const record = readServiceRecord(config.stateDir, runtime.name);
  if (!record) return false;
  const running = isOurProcess(record.pid, record.marker);
  if (running) {
    config.progress(`${runtime.name}: stopping (pid ${record.pid})`);
    await stopProcessGroup(record.pid, runtime.stopSignal, STOP_GRACE_MS);
  }
  removeServiceRecord(config.stateDir, runtime.name);
  rmSync(serviceHome(config.stateDir, runtime.name), { recursive: true, force: true });
  return running;
}
