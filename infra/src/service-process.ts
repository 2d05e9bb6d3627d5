import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ServiceLineFormatter } from './console-format.js';
import type { ProcessExit, SpawnService } from './supervisor.js';

// The real SpawnService: `node <main>` with an IPC channel, so the service notices when its
// supervisor is gone (its channel closes; see @allo-pipeline/service-lifecycle) and says when it
// is ready ({ type: 'ready' }, that package's READY_MESSAGE). Each service runs in its own process
// group: Ctrl-C reaches only the supervisor, which stops the services in order.

/** The last lines each service wrote, raw, to say why one does not become ready. */
export class RecentOutput {
  private readonly lines = new Map<string, string[]>();
  constructor(private readonly keep = 15) {}

  add(service: string, line: string): void {
    const kept = this.lines.get(service) ?? [];
    kept.push(line);
    if (kept.length > this.keep) kept.shift();
    this.lines.set(service, kept);
  }

  of(service: string): readonly string[] {
    return this.lines.get(service) ?? [];
  }
}

/** A SpawnService whose services' output lines go to `print`, formatted by `format`, and to `recent`. */
export function serviceSpawner(
  print: (line: string) => void,
  format: ServiceLineFormatter = (name, line) => `[${name}] ${line}`,
  recent?: RecentOutput,
): SpawnService {
  return (spec, events) => {
    const child = spawn(process.execPath, [spec.main, ...(spec.args ?? [])], {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        recent?.add(spec.name, line);
        print(format(spec.name, line));
      });
    }
    child.on('message', (message) => {
      if (isReadyMessage(message)) events.onReady();
    });
    let reported = false;
    const report = (exit: ProcessExit): void => {
      if (reported) return;
      reported = true;
      events.onExit(exit);
    };
    // 'close', not 'exit': by then the service's last output lines (why it exited) are printed.
    child.on('close', (code, signal) => report({ code, signal }));
    child.on('error', (error) => {
      // Emitted when spawning failed (no pid), or when signalling or messaging it failed.
      if (child.pid !== undefined) return;
      print(`allo-pipeline: could not start ${spec.name}: ${error.message}`);
      report({ code: null, signal: null });
    });
    return { pid: child.pid, kill: (signal) => signalService(child, signal) };
  };
}

function isReadyMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready';
}

/** SIGKILL goes to the service's whole process group, so nothing it started is left behind. */
function signalService(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  if (signal === 'SIGKILL') {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // The group is gone or was never ours: fall back to the process itself.
    }
  }
  child.kill(signal);
}
