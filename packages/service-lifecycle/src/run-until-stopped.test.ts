import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import {
  EXIT_CODES,
  READY_MESSAGE,
  readConfigOrExit,
  runUntilStopped,
  type ClosableService,
  type LifecycleLogger,
  type LifecycleProcess,
  type ServiceControls,
} from './index.js';

class FakeProcess extends EventEmitter implements LifecycleProcess {
  readonly exits: number[] = [];
  readonly sent: unknown[] = [];
  connected: boolean | undefined;
  send: ((message: typeof READY_MESSAGE) => boolean) | undefined;

  constructor(ipc: 'none' | 'open' | 'closed' = 'none') {
    super();
    this.connected = ipc === 'none' ? undefined : ipc === 'open';
    if (ipc !== 'none') this.send = (message) => this.sent.push(message) > 0;
  }

  exit(code: number): void {
    this.exits.push(code);
  }
}

function recordingLogger(): LifecycleLogger & {
  lines: Array<{ level: string; message: string; details: object }>;
} {
  const lines: Array<{ level: string; message: string; details: object }> = [];
  const at = (level: string) => (details: object, message: string) => lines.push({ level, message, details });
  return { lines, info: at('info'), error: at('error'), fatal: at('fatal') };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A service whose close() resolves (or rejects) when the test says so. */
function controllableService(): ClosableService & { closes: number; closing: Deferred<void> } {
  const closing = deferred<void>();
  const service = {
    closes: 0,
    closing,
    close: () => {
      service.closes += 1;
      return closing.promise;
    },
  };
  return service;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runUntilStopped', () => {
  it('closes the service once on SIGTERM and exits 0 only when close has resolved', async () => {
    const proc = new FakeProcess();
    const logger = recordingLogger();
    const service = controllableService();
    await runUntilStopped({ name: 'gateway', logger, start: () => Promise.resolve(service), process: proc });

    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    await flush();
    expect(service.closes).toBe(1);
    expect(proc.exits).toEqual([]);

    service.closing.resolve();
    await flush();
    expect(proc.exits).toEqual([EXIT_CODES.stopped]);
    expect(logger.lines).toEqual([
      { level: 'info', message: 'gateway shutting down', details: { signal: 'SIGTERM' } },
    ]);
  });

  it('exits 0 at once on a signal during start-up, before start has resolved', async () => {
    const proc = new FakeProcess();
    const starting = deferred<ClosableService>();
    const running = runUntilStopped({
      name: 'projector',
      logger: recordingLogger(),
      start: () => starting.promise,
      process: proc,
    });

    proc.emit('SIGINT');
    expect(proc.exits).toEqual([EXIT_CODES.stopped]);
    const service = controllableService();
    starting.resolve(service);
    await running;
    expect(service.closes).toBe(0);
    expect(proc.exits).toEqual([EXIT_CODES.stopped]);
  });

  it('stops like on a signal when the IPC channel to the supervisor closes', async () => {
    const proc = new FakeProcess('open');
    const logger = recordingLogger();
    const service = controllableService();
    await runUntilStopped({
      name: 'query API',
      logger,
      start: () => Promise.resolve(service),
      process: proc,
    });

    proc.connected = false;
    proc.emit('disconnect');
    service.closing.resolve();
    await flush();
    expect(service.closes).toBe(1);
    expect(proc.exits).toEqual([EXIT_CODES.stopped]);
    expect(logger.lines[0]).toMatchObject({
      message: 'query API shutting down',
      details: { reason: expect.stringContaining('supervisor gone') as unknown },
    });
  });

  it('tells the supervisor it is ready once started, and only when there is one', async () => {
    const supervised = new FakeProcess('open');
    const starting = deferred<ClosableService>();
    const running = runUntilStopped({
      name: 'gateway',
      logger: recordingLogger(),
      start: () => starting.promise,
      process: supervised,
    });
    await flush();
    expect(supervised.sent).toEqual([]);
    starting.resolve(controllableService());
    await running;
    expect(supervised.sent).toEqual([READY_MESSAGE]);

    const standalone = new FakeProcess('none');
    await runUntilStopped({
      name: 'gateway',
      logger: recordingLogger(),
      start: () => Promise.resolve(controllableService()),
      process: standalone,
    });
    expect(standalone.exits).toEqual([]);
  });

  it('exits at once when the supervisor was gone before the listener existed', async () => {
    const proc = new FakeProcess('closed');
    let started = false;
    await runUntilStopped({
      name: 'gateway',
      logger: recordingLogger(),
      start: () => {
        started = true;
        return Promise.resolve(controllableService());
      },
      process: proc,
    });
    expect(proc.exits[0]).toBe(EXIT_CODES.stopped);
    expect(proc.sent).toEqual([]);
    expect(started).toBe(true); // start is called, but its service is never used
  });

  it('exits 1 when close rejects, naming the service', async () => {
    const proc = new FakeProcess();
    const logger = recordingLogger();
    const service = controllableService();
    await runUntilStopped({ name: 'gateway', logger, start: () => Promise.resolve(service), process: proc });

    proc.emit('SIGTERM');
    service.closing.reject(new Error('producer stuck'));
    await flush();
    expect(proc.exits).toEqual([EXIT_CODES.failed]);
    expect(logger.lines.map(({ level, message }) => `${level} ${message}`)).toEqual([
      'info gateway shutting down',
      'error gateway shutdown failed',
    ]);
  });

  it('exits 1 when start-up throws', async () => {
    const proc = new FakeProcess('open');
    const logger = recordingLogger();
    await runUntilStopped({
      name: 'gateway',
      logger,
      start: () => Promise.reject(new Error('broker unreachable')),
      process: proc,
    });
    expect(proc.exits).toEqual([EXIT_CODES.failed]);
    expect(proc.sent).toEqual([]);
    expect(logger.lines).toEqual([
      {
        level: 'fatal',
        message: 'gateway failed to start',
        details: { err: new Error('broker unreachable') },
      },
    ]);
  });

  it('fail() logs, closes what started and exits 1; a later signal changes nothing', async () => {
    const proc = new FakeProcess();
    const logger = recordingLogger();
    const service = controllableService();
    let controls: ServiceControls | undefined;
    await runUntilStopped({
      name: 'projector',
      logger,
      start: (given) => ((controls = given), Promise.resolve(service)),
      process: proc,
    });

    controls?.fail(new Error('consumer crashed'), 'consumer crashed and will not restart; exiting');
    proc.emit('SIGTERM');
    service.closing.resolve();
    await flush();
    expect(service.closes).toBe(1);
    expect(proc.exits).toEqual([EXIT_CODES.failed]);
    expect(logger.lines.map(({ level, message }) => `${level} ${message}`)).toEqual([
      'fatal consumer crashed and will not restart; exiting',
    ]);
  });
});

describe('readConfigOrExit', () => {
  it('returns the parsed configuration', () => {
    const proc = new FakeProcess();
    expect(readConfigOrExit(recordingLogger(), () => ({ port: 8080 }), proc)).toEqual({ port: 8080 });
    expect(proc.exits).toEqual([]);
  });

  it("logs the parser's message and exits 2", () => {
    const proc = new FakeProcess();
    const logger = recordingLogger();
    const read = () => {
      throw new Error('GATEWAY_PORT=x is not a port');
    };
    expect(() => readConfigOrExit(logger, read, proc)).toThrow('GATEWAY_PORT=x is not a port');
    expect(proc.exits).toEqual([EXIT_CODES.configError]);
    expect(logger.lines).toEqual([{ level: 'fatal', message: 'GATEWAY_PORT=x is not a port', details: {} }]);
  });
});
