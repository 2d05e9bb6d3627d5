import type { AlloDeps } from './allo-deps.js';
import { formatAlloStatus, type AlloStatusModel } from './allo-status-format.js';
import { readSourcesFile } from './allo-sources-file.js';
import { alloSecretFingerprint } from './allo-secret-fingerprint.js';

/**
 * `allo status`: Allo's webhooks beside the gateway's view of each source, then warnings.
 * Resolves with 1 when there is a warning (a disabled endpoint, refused deliveries, ...), else 0.
 */
export async function alloStatus(deps: AlloDeps, options: { json: boolean }): Promise<number> {
  const [webhooks, gateway] = await Promise.all([deps.api.listWebhooks(), deps.gatewayStatus()]);
  const model: AlloStatusModel = {
    apiUrl: deps.env.apiUrl,
    gatewayUrl: deps.env.gatewayUrl,
    sourcesFile: deps.env.sourcesFile,
    webhooks,
    sources: readSourcesFile(deps.env.sourcesFile),
    gateway,
  };
  const { lines, warnings } = formatAlloStatus(model, deps.now());
  if (options.json) {
    deps.out(JSON.stringify(toJson(model, warnings), null, 2));
  } else {
    for (const line of lines) deps.out(line);
    if (warnings.length > 0) deps.out(['', 'Warnings:', ...warnings.map((w) => `  ! ${w}`)].join('\n'));
  }
  return warnings.length > 0 ? 1 : 0;
}

// Secrets are shown only by fingerprint (the gateway's public short name for them).
function toJson(model: AlloStatusModel, warnings: string[]): unknown {
  return {
    allo: {
      apiUrl: model.apiUrl,
      webhooks: model.webhooks.map((w) => ({ ...w, signing_secret: undefined })),
    },
    sourcesFile: model.sourcesFile,
    sources: Object.fromEntries(
      [...model.sources].map(([name, entry]) => [
        name,
        { ...entry, secrets: entry.secrets.map((secret) => alloSecretFingerprint(secret)) },
      ]),
    ),
    gateway: model.gateway.ok ? model.gateway.status : { error: model.gateway.error },
    warnings,
  };
}
