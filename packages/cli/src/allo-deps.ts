import type { AlloEventType, AlloWebhook } from './allo-api-client.js';
import type { AlloEnv } from './allo-env.js';
import type { GatewayStatusOutcome } from './allo-gateway-status.js';

/** The part of AlloApiClient the commands use (tests pass the real client against the contract server). */
export interface AlloApi {
  listEventTypes(): Promise<AlloEventType[]>;
  listWebhooks(): Promise<AlloWebhook[]>;
  getWebhook(id: string): Promise<AlloWebhook>;
  createWebhook(input: {
    url: string;
    topics: readonly string[];
    description?: string;
  }): Promise<AlloWebhook>;
  updateWebhook(
    id: string,
    patch: { topics?: readonly string[]; enabled?: boolean; description?: string },
  ): Promise<AlloWebhook>;
  deleteWebhook(id: string): Promise<boolean>;
}

/** What every allo command gets: the API, its settings, a clock and somewhere to print. */
export interface AlloDeps {
  readonly api: AlloApi;
  readonly env: Pick<AlloEnv, 'apiUrl' | 'sourcesFile' | 'gatewayUrl'>;
  readonly gatewayStatus: () => Promise<GatewayStatusOutcome>;
  readonly out: (line: string) => void;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** How often to ask the gateway while waiting for it (reload, first verified event). */
  readonly pollIntervalMs?: number;
}

/** A command cannot go on; main prints the message (never a secret or the key) and exits 1. */
export class AlloCommandError extends Error {
  override readonly name = 'AlloCommandError';
}

/** Allo webhook URLs name the same endpoint when they are equal as URLs (a trailing slash aside). */
export function sameUrl(a: string, b: string): boolean {
  const normal = (text: string): string => {
    try {
      return new URL(text).href.replace(/\/+$/, '');
    } catch {
      return text;
    }
  };
  return normal(a) === normal(b);
}

/** Polls `check` until it returns a value or `timeoutMs` passes (then undefined). */
export async function waitFor<T>(
  deps: AlloDeps,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = deps.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (deps.now() >= deadline) return undefined;
    await deps.sleep(deps.pollIntervalMs ?? 1_000);
  }
}
