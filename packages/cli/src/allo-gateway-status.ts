/** One source as the gateway reports it on GET /status/sources (see services/gateway). */
export interface GatewaySourceStatus {
  readonly secrets: ReadonlyArray<{ readonly fingerprint: string; readonly lastVerifiedAt: string | null }>;
  readonly awaitingSecret?: boolean;
  readonly lastAcceptedAt: string | null;
  readonly lastHour: {
    readonly accepted: number;
    readonly signatureFailures: number;
    readonly clientErrors: number;
    readonly serverErrors: number;
  };
}

export interface GatewayStatus {
  readonly generatedAt: string;
  readonly sourcesFile: {
    readonly path: string;
    readonly loadedAt: string;
    readonly lastError: { readonly at: string; readonly message: string } | null;
  } | null;
  readonly sources: Readonly<Record<string, GatewaySourceStatus>>;
}

export type GatewayStatusOutcome = { ok: true; status: GatewayStatus } | { ok: false; error: string };

/** Asks the gateway for its per-source activity; never throws (an unreachable gateway is an outcome). */
export async function readGatewayStatus(
  gatewayUrl: string,
  timeoutMs = 5_000,
): Promise<GatewayStatusOutcome> {
  try {
    const response = await fetch(`${gatewayUrl}/status/sources`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, error: `${gatewayUrl}/status/sources answered ${response.status}` };
    const body = (await response.json()) as Partial<GatewayStatus>;
    if (typeof body.sources !== 'object' || body.sources === null)
      return { ok: false, error: `${gatewayUrl}/status/sources: unexpected body` };
    return { ok: true, status: body as GatewayStatus };
  } catch (error) {
    return { ok: false, error: `cannot reach the gateway at ${gatewayUrl}: ${(error as Error).message}` };
  }
}
