// How every service process starts, runs and stops. Invariants:
// - SIGTERM, SIGINT and the closing of the IPC channel to the supervisor ('disconnect': the
//   supervisor is gone, e.g. killed outright) each request a stop. The handlers are registered
//   before start-up, so a stop is never missed.
// - A stop requested during start-up exits 0 at once: nothing has been accepted yet (and a
//   projector's batches are transactions), so nothing is left half-done.
// - Otherwise the service's close() runs exactly once (each service bounds its own close);
//   exit 0 when it resolves, 1 when it rejects. Later requests are ignored: the supervisor
//   escalates with SIGKILL if it has to.
// - A start-up that throws, or controls.fail(), exits 1: the supervisor restarts the service.
//   A configuration error exits 2 before start (readConfigOrExit), which is not restarted.
// - Once started, a service run under a supervisor (an IPC channel exists) sends READY_MESSAGE.

/** The exit codes of every service, as the supervisor reads them. */
export const EXIT_CODES = { stopped: 0, failed: 1, configError: 2 } as const;

/** Sent over the IPC channel once start() has resolved. */
export const READY_MESSAGE = { type: 'ready' } as const;

/** The part of a pino logger the lifecycle uses. */
export interface LifecycleLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
  fatal(details: object, message: string): void;
}

/** The part of `process` the lifecycle uses (injected in tests). */
export interface LifecycleProcess {
  on(event: 'SIGTERM' | 'SIGINT' | 'disconnect', listener: () => void): unknown;
  exit(code: number): void;
  /** Present only when the process has an IPC channel. */
  send?: ((message: typeof READY_MESSAGE) => boolean) | undefined;
  /** true while the IPC channel is open; undefined without one. */
  readonly connected?: boolean | undefined;
}

export interface ClosableService {
  /** Stops accepting work, finishes what is in flight, releases connections; bounded. */
  close(): Promise<void>;
}

/** Given to start(): how a service ends itself when it cannot go on. */
export interface ServiceControls {
  /** Logs `message` (fatal), closes what has started and exits 1, so the supervisor restarts it. */
  fail(error: Error, message: string): void;
}

export interface RunUntilStoppedOptions {
  /** How log lines name the service: `${name} shutting down`. */
  readonly name: string;
  readonly logger: LifecycleLogger;
  readonly start: (controls: ServiceControls) => Promise<ClosableService>;
  /** Default: the real `process`. */
  readonly process?: LifecycleProcess;
}

/** Starts the service and stops it on a signal or when the supervisor goes away (see above). */
export async function runUntilStopped(options: RunUntilStoppedOptions): Promise<void> {
  const run = new ServiceRun(options.name, options.logger, options.process ?? process);
  run.listen();
  await run.start(options.start);
}

const SUPERVISOR_GONE = { reason: 'supervisor gone (IPC channel closed)' };

class ServiceRun {
  private service: ClosableService | undefined;
  private ending = false;

  constructor(
    private readonly name: string,
    private readonly logger: LifecycleLogger,
    private readonly proc: LifecycleProcess,
  ) {}

  listen(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      this.proc.on(signal, () => this.requestStop({ signal }));
    this.proc.on('disconnect', () => this.requestStop(SUPERVISOR_GONE));
    // The supervisor may be gone already: its channel closed before the listener existed.
    if (this.proc.send && this.proc.connected === false) this.requestStop(SUPERVISOR_GONE);
  }

  async start(start: RunUntilStoppedOptions['start']): Promise<void> {
    const controls: ServiceControls = { fail: (error, message) => this.fail(error, message) };
    try {
      const started = await start(controls);
      // Only reachable with an injected process: a real exit() during start-up never returns.
      if (this.ending) return;
      this.service = started;
    } catch (error) {
      if (this.ending) return;
      this.ending = true;
      this.logger.fatal({ err: error }, `${this.name} failed to start`);
      return this.proc.exit(EXIT_CODES.failed);
    }
    if (this.proc.connected) this.proc.send?.(READY_MESSAGE);
  }

  private requestStop(details: object): void {
    if (this.ending) return;
    this.ending = true;
    this.logger.info(details, `${this.name} shutting down`);
    this.end(EXIT_CODES.stopped);
  }

  private fail(error: Error, message: string): void {
    if (this.ending) return;
    this.ending = true;
    this.logger.fatal({ err: error }, message);
    this.end(EXIT_CODES.failed);
  }

  private end(code: number): void {
    const { service } = this;
    if (!service) return this.proc.exit(code);
    service.close().then(
      () => this.proc.exit(code),
      (error: unknown) => {
        this.logger.error({ err: error }, `${this.name} shutdown failed`);
        this.proc.exit(EXIT_CODES.failed);
      },
    );
  }
}

/**
 * Parses the configuration, or logs the parser's message (which names the bad variable) and
 * exits 2, the code the supervisor does not restart.
 */
export function readConfigOrExit<Config>(
  logger: LifecycleLogger,
  read: () => Config,
  proc: Pick<LifecycleProcess, 'exit'> = process,
): Config {
  try {
    return read();
  } catch (error) {
    logger.fatal({}, (error as Error).message);
    proc.exit(EXIT_CODES.configError);
    throw error;
  }
}
