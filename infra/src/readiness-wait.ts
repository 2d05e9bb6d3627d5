// "Up" means up: `npm start` says the pipeline is up only once every service answers its
// /readyz with 200. A service that is not ready by the deadline is named, with what its /readyz
// says and its last log lines, and the wait goes on: the service may still come up (it is
// supervised), and the "up" line follows when it does.

/** Where each known service answers /readyz: the port variable and its default. */
export const SERVICE_PORTS: Readonly<Record<string, readonly [variable: string, fallback: number]>> = {
  gateway: ['GATEWAY_PORT', 8080],
  'projector-calls': ['PROJECTOR_CALLS_PORT', 8101],
  'projector-messages': ['PROJECTOR_MESSAGES_PORT', 8102],
  'projector-contacts': ['PROJECTOR_CONTACTS_PORT', 8103],
  'analytics-stream': ['ANALYTICS_STREAM_PORT', 8104],
  'query-api': ['API_PORT', 8090],
};

/** The service's base URL on loopback, or undefined for a service without a known port. */
export function serviceUrl(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const known = SERVICE_PORTS[name];
  if (!known) return undefined;
  const [variable, fallback] = known;
  return `http://127.0.0.1:${env[variable] || fallback}`;
}

/** One probe of a service's readiness: ready, or why not (the /readyz body or the error). */
export type ReadinessProbe = (name: string) => Promise<{ ready: boolean; detail: string }>;

export interface ReadinessWaitOptions {
  readonly services: readonly string[];
  readonly probe: ReadinessProbe;
  /** After this long, each service not yet ready is reported once through onLate. */
  readonly lateAfterMs: number;
  readonly onLate: (name: string, detail: string) => void;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly intervalMs?: number;
}

/**
 * Resolves with true once every service is ready (each is probed until it is, then left alone),
 * or with false once the signal aborts.
 */
export async function waitUntilReady(options: ReadinessWaitOptions): Promise<boolean> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const began = now();
  const pending = new Set(options.services);
  const reported = new Set<string>();
  while (pending.size > 0) {
    if (options.signal.aborted) return false;
    const probes = await Promise.all(
      [...pending].map(async (name) => ({ name, ...(await options.probe(name)) })),
    );
    for (const { name, ready, detail } of probes) {
      if (ready) pending.delete(name);
      else if (now() - began >= options.lateAfterMs && !reported.has(name)) {
        reported.add(name);
        options.onLate(name, detail);
      }
    }
    if (pending.size > 0) await sleep(options.intervalMs ?? 250);
  }
  return !options.signal.aborted;
}

/** Probes GET <service>/readyz over HTTP. */
export function httpReadinessProbe(env: NodeJS.ProcessEnv): ReadinessProbe {
  return async (name) => {
    const base = serviceUrl(name, env);
    if (!base) return { ready: true, detail: '' };
    try {
      const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      const body = (await response.text()).slice(0, 2_000);
      return { ready: response.status === 200, detail: `/readyz answered ${response.status}: ${body}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      return { ready: false, detail: `/readyz did not answer (${cause})` };
    }
  };
}
