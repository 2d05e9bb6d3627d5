import type { LaunchSpec } from './process-control.js';
import type { PortEnvVar, ServiceName, StackConfig } from './stack-config.js';
import type { UnitName } from './state-store.js';

/** A port a service listens on and the environment variable that moves it. */
export interface ServicePort {
  readonly envVar: PortEnvVar;
  readonly port: number;
}

/** How to launch a server, and the version that will run on its data (recorded once it is ready). */
export interface PreparedLaunch extends LaunchSpec {
  readonly version: string;
}

/** How the stack manager fetches, launches, probes and stops one kind of server. */
export interface ServiceRuntime {
  readonly name: ServiceName;
  /** The process's record and log name when the service runs several (kafka-2); default `name`. */
  unitFor?(config: StackConfig): UnitName;
  readonly readyTimeoutMs: number;
  /** Signal for a clean stop of the process group (SIGKILL follows after a grace period). */
  readonly stopSignal: NodeJS.Signals;
  ports(config: StackConfig): ServicePort[];
  /** A path in the state folder that appears in the server's command line. */
  marker(config: StackConfig): string;
  /**
   * Where the server keeps its data when not in its own folder (no secrets); a running server whose
   * record names another place is not reused.
   */
  storage?(config: StackConfig): string;
  /**
   * Fetches binaries once, prepares configuration and data, checks that the pinned version may run
   * on the existing data (throws StackVersionError if not); returns how to launch.
   */
  prepare(config: StackConfig): Promise<PreparedLaunch>;
  /** Whether the server answers requests (not just accepts connections). */
  isReady(config: StackConfig): Promise<boolean>;
}

/** The record and log name of the process `runtime` runs. */
export function unitOf(runtime: ServiceRuntime, config: StackConfig): UnitName {
  return runtime.unitFor?.(config) ?? runtime.name;
}
