import type { LaunchSpec } from './process-control.js';
import type { PortEnvVar, ServiceName, StackConfig } from './stack-config.js';

/** A port a service listens on and the environment variable that moves it. */
export interface ServicePort {
  readonly envVar: PortEnvVar;
  readonly port: number;
}

/** How the stack manager fetches, launches, probes and stops one kind of server. */
export interface ServiceRuntime {
  readonly name: ServiceName;
  readonly readyTimeoutMs: number;
  /** Signal for a clean stop of the process group (SIGKILL follows after a grace period). */
  readonly stopSignal: NodeJS.Signals;
  ports(config: StackConfig): ServicePort[];
  /** A path in the state folder that appears in the server's command line. */
  marker(config: StackConfig): string;
  /** Fetches binaries once, prepares configuration and data; returns how to launch. */
  prepare(config: StackConfig): Promise<LaunchSpec>;
  /** Whether the server answers requests (not just accepts connections). */
  isReady(config: StackConfig): Promise<boolean>;
}
