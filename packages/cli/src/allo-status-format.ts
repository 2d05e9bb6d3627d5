import type { AlloWebhook } from './allo-api-client.js';
import { sameUrl } from './allo-deps.js';
import type { GatewayStatusOutcome } from './allo-gateway-status.js';
import type { SourcesFile } from './allo-sources-file.js';

/** Everything `allo status` shows; no secret in it. */
export interface AlloStatusModel {
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly sourcesFile: string;
  readonly webhooks: readonly AlloWebhook[];
  readonly sources: SourcesFile;
  readonly gateway: GatewayStatusOutcome;
}

/** Allo's circuit breaker (fact sheet §4.3), in words. */
export const AUTO_DISABLE_RULE =
  'Allo retries every non-2xx answer (8 attempts over about 27.5 hours) and disables an endpoint ' +
  'when failures within 24 hours span at least 12 hours and every attempt then keeps failing for 5 days';

const REENABLE =
  're-enable it with "allo connect --url <url>" (or Settings > Webhooks), then use Recover in the dashboard to replay what was missed';

/** Renders the status as lines, and the warnings; pure (the clock is passed in). */
export function formatAlloStatus(
  model: AlloStatusModel,
  now: number,
): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const sourceOf = (w: AlloWebhook): string | undefined =>
    [...model.sources].find(([, entry]) => entry.url !== undefined && sameUrl(entry.url, w.url))?.[0];
  lines.push(`Allo (${model.apiUrl}): ${model.webhooks.length} webhook(s)`);
  for (const w of model.webhooks) {
    const source = sourceOf(w);
    lines.push(
      `  ${w.id}  ${w.enabled ? 'enabled ' : 'DISABLED'}  ${w.url}  ${topics(w.topics)}  ${source ? `source ${source}` : '(no source here)'}`,
    );
    if (!w.enabled) warnings.push(`Allo has disabled ${w.id} (${w.url}): ${AUTO_DISABLE_RULE}; ${REENABLE}.`);
  }
  const gateway = model.gateway;
  lines.push('', `Gateway (${model.gatewayUrl}), sources file ${model.sourcesFile}:`);
  if (!gateway.ok) {
    lines.push(`  unreachable: ${gateway.error}`);
    warnings.push(`cannot see our side: ${gateway.error}`);
  } else if (gateway.status.sourcesFile?.lastError) {
    const error = gateway.status.sourcesFile.lastError;
    warnings.push(
      `the gateway rejected its sources file at ${error.at} and kept the previous one: ${error.message}`,
    );
  }
  if (gateway.ok && gateway.status.sourcesFile === null)
    lines.push('  (the gateway reads no sources file, so it does not reload on changes)');
  for (const [name, entry] of model.sources) {
    const ours = gateway.ok ? gateway.status.sources[name] : undefined;
    const webhooks = model.webhooks.filter((w) => entry.url !== undefined && sameUrl(entry.url, w.url));
    lines.push(
      `  source ${name}: ${entry.url ?? '(no Allo URL recorded)'}, ${entry.secrets.length} secret(s) stored`,
    );
    if (entry.awaitingSecret && !entry.retiringWebhookIds?.length)
      warnings.push(
        `source ${name}: an "allo rotate" stopped before Allo returned the new secret; run it again.`,
      );
    if (entry.retiringWebhookIds?.length)
      warnings.push(
        `source ${name}: a rotation is pending; run "allo rotate --source ${name}" to finish it.`,
      );
    if (entry.url && webhooks.length === 0)
      warnings.push(
        `source ${name}: Allo has no webhook for ${entry.url}; run "allo connect --url ${entry.url}".`,
      );
    if (!gateway.ok) continue;
    if (!ours) {
      lines.push('    not served by the gateway');
      warnings.push(`source ${name}: the gateway does not serve it (is it reading ${model.sourcesFile}?).`);
      continue;
    }
    const h = ours.lastHour;
    lines.push(
      `    last accepted event: ${ours.lastAcceptedAt ? `${ours.lastAcceptedAt} (${ago(now, ours.lastAcceptedAt)})` : 'none since the gateway started'}`,
      `    last hour: ${h.accepted} accepted, ${h.signatureFailures} signature failures, ${h.clientErrors} answered 4xx, ${h.serverErrors} answered 5xx`,
    );
    const refused = h.clientErrors + h.serverErrors;
    if (refused > 0)
      warnings.push(
        `source ${name}: the gateway refused ${refused} deliveries in the last hour (${h.signatureFailures} failed the signature check). ` +
          `${AUTO_DISABLE_RULE}. ${h.signatureFailures > 0 ? `Check the secret: run "allo rotate --source ${name}" if it is wrong.` : ''}`.trim(),
      );
  }
  if (model.sources.size === 0) lines.push('  no source connected yet: run "allo connect --url <https URL>"');
  return { lines, warnings };
}

function topics(list: readonly string[]): string {
  return list.length <= 3 ? list.join(',') : `${list.length} topics`;
}

function ago(now: number, iso: string): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}
