import { watch, unwatchFile, watchFile, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import type { WebhookSecret } from '@allo-pipeline/webhook-signature';
import { secretFingerprint } from './secret-fingerprint.js';
import { loadSourcesWithNotes, type SourceLayers, type SourceSecrets } from './sources-config.js';

/** What the gateway's routes need of its sources (a plain Map qualifies). */
export interface SourceLookup {
  get(name: string): readonly WebhookSecret[] | undefined;
  entries(): Iterable<[string, readonly WebhookSecret[]]>;
  /** True while `allo rotate` waits for the secret of a webhook it is creating. */
  isAwaitingSecret?(name: string): boolean;
  /**
   * For a source awaiting a secret: resolves with its secrets once a reload replaces `seen`, or
   * undefined (at once when not awaiting, else after a bounded hold).
   */
  awaitNewSecrets?(
    name: string,
    seen: readonly WebhookSecret[],
  ): Promise<readonly WebhookSecret[] | undefined>;
}

/** The sources file as last (re)loaded, for GET /status/sources; no secret in it. */
export interface SourcesFileStatus {
  readonly path: string;
  /** When the configuration in use was loaded (epoch ms). */
  readonly loadedAt: number;
  /** The last reload that failed after it (the old configuration stayed), or null. */
  readonly lastError: { readonly at: number; readonly message: string } | null;
}

export type ReloadOutcome =
  { ok: true; changed: boolean } | { ok: false; message: string /* names the variable, never a secret */ };

export interface LiveSourcesOptions {
  readonly layers: SourceLayers;
  readonly initial: SourceSecrets;
  readonly logger: Logger;
  readonly now: () => number;
  /** Called once per reload attempt (for metrics). */
  readonly onReload?: (outcome: ReloadOutcome) => void;
}

// Editors and the CLI replace the file (write + rename), so the folder is watched, not the file;
// the stat poll is the fallback where inotify does not reach (network mounts, some containers).
const DEBOUNCE_MS = 50;
const POLL_INTERVAL_MS = 2_000;
// Allo waits 20 s for an answer; a held request still has the ack deadline (10 s) to publish.
const HOLD_MS = 5_000;
// Held requests are cheap but not free: past this many, a bad signature is answered at once.
const MAX_HELD = 100;

interface Waiter {
  readonly source: string;
  readonly seen: readonly WebhookSecret[];
  readonly resolve: (secrets: readonly WebhookSecret[] | undefined) => void;
}

/**
 * The gateway's sources, replaced as a whole when the sources file changes. A reload that fails
 * (unreadable file, bad JSON, bad secret, no source left) keeps the configuration in use and logs
 * why; a successful one logs what changed by source name and secret count, never a secret.
 */
export class LiveSources implements SourceLookup {
  private current: SourceSecrets;
  private awaiting: ReadonlySet<string> = new Set();
  private readonly waiters = new Set<Waiter>();
  private loadedAt: number;
  private lastError: SourcesFileStatus['lastError'] = null;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveSourcesOptions) {
    this.current = options.initial;
    this.loadedAt = options.now();
  }

  get(name: string): readonly WebhookSecret[] | undefined {
    return this.current.get(name);
  }

  entries(): Iterable<[string, readonly WebhookSecret[]]> {
    return this.current.entries();
  }

  isAwaitingSecret(name: string): boolean {
    return this.awaiting.has(name);
  }

  awaitNewSecrets(
    name: string,
    seen: readonly WebhookSecret[],
  ): Promise<readonly WebhookSecret[] | undefined> {
    if (!this.awaiting.has(name) || this.waiters.size >= MAX_HELD) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (secrets: readonly WebhookSecret[] | undefined): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(secrets);
      };
      const timer = setTimeout(() => done(undefined), HOLD_MS);
      const waiter: Waiter = { source: name, seen, resolve: done };
      this.waiters.add(waiter);
    });
  }

  /** Null when no sources file is configured (nothing to reload). */
  fileStatus(): SourcesFileStatus | null {
    const path = this.options.layers.file;
    return path ? { path, loadedAt: this.loadedAt, lastError: this.lastError } : null;
  }

  /** Re-reads the file now (SIGHUP, a file event); never throws. */
  reload(trigger: string): ReloadOutcome {
    const { layers, logger } = this.options;
    const file = layers.file;
    if (!file) return { ok: true, changed: false };
    let outcome: ReloadOutcome;
    try {
      const next = loadSourcesWithNotes(layers);
      const diff = diffSources(this.current, next.secrets);
      const awaitingSecret = [...next.awaitingSecret];
      const changed = diff.changed || awaitingSecret.join() !== [...this.awaiting].join();
      if (changed) {
        this.current = next.secrets;
        this.awaiting = next.awaitingSecret;
        this.loadedAt = this.options.now();
        logger.info(
          { trigger, file, sources: secretCounts(next.secrets), ...diff.names, awaitingSecret },
          'sources reloaded',
        );
        this.wakeWaiters();
      }
      this.lastError = null;
      outcome = { ok: true, changed };
    } catch (error) {
      const message = (error as Error).message;
      this.lastError = { at: this.options.now(), message };
      logger.warn(
        { trigger, file, error: message },
        'sources file rejected; the configuration in use is kept',
      );
      outcome = { ok: false, message };
    }
    this.options.onReload?.(outcome);
    return outcome;
  }

  /** Starts watching the sources file (no-op without one). */
  watch(): void {
    const file = this.options.layers.file;
    if (!file || this.watcher) return;
    const name = basename(file);
    const schedule = (): void => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reload('file-changed'), DEBOUNCE_MS);
      this.debounce.unref();
    };
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) schedule();
      });
      this.watcher.on('error', (error) =>
        this.options.logger.warn({ file, error: error.message }, 'watching the sources folder failed'),
      );
    } catch (error) {
      this.options.logger.warn({ file, error: (error as Error).message }, 'cannot watch the sources folder');
    }
    watchFile(file, { persistent: false, interval: POLL_INTERVAL_MS }, (curr, prev) => {
      if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) schedule();
    });
  }

  close(): void {
    for (const waiter of [...this.waiters]) waiter.resolve(undefined);
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
    if (this.options.layers.file) unwatchFile(this.options.layers.file);
  }

  /** Held requests re-verify with the new secrets, or give up when their source stopped awaiting. */
  private wakeWaiters(): void {
    for (const waiter of [...this.waiters]) {
      const secrets = this.current.get(waiter.source);
      if (secrets && secrets !== waiter.seen) waiter.resolve(secrets);
      else if (!this.awaiting.has(waiter.source)) waiter.resolve(undefined);
    }
  }
}

function secretCounts(sources: SourceSecrets): Record<string, number> {
  return Object.fromEntries([...sources].map(([name, secrets]) => [name, secrets.length]));
}

/** Which sources were added, removed or got other secrets (compared by fingerprint). */
export function diffSources(
  before: SourceSecrets,
  after: SourceSecrets,
): { changed: boolean; names: { added: string[]; removed: string[]; changed: string[] } } {
  const prints = (secrets: readonly WebhookSecret[]): string => secrets.map(secretFingerprint).join(' ');
  const added = [...after.keys()].filter((name) => !before.has(name));
  const removed = [...before.keys()].filter((name) => !after.has(name));
  const changed = [...after].flatMap(([name, secrets]) => {
    const old = before.get(name);
    return old && prints(old) !== prints(secrets) ? [name] : [];
  });
  return {
    changed: added.length + removed.length + changed.length > 0,
    names: { added, removed, changed },
  };
}
