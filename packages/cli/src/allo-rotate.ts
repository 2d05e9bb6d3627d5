import type { AlloWebhook } from './allo-api-client.js';
import { AlloCommandError, sameUrl, waitFor, type AlloDeps } from './allo-deps.js';
import type { GatewaySourceStatus } from './allo-gateway-status.js';
import { alloSecretFingerprint, secretKey } from './allo-secret-fingerprint.js';
import {
  readSourcesFile,
  withSecret,
  withSource,
  writeSourcesFile,
  type SourceEntry,
} from './allo-sources-file.js';

export interface RotateOptions {
  readonly source: string;
  /** How long to wait for the gateway to load the new secret and verify an event with it. */
  readonly waitSeconds: number;
  /** How long the old secret stays after its webhook is deleted (deliveries still in flight). */
  readonly graceSeconds: number;
}

/**
 * `allo rotate`. Allo documents no rotation endpoint (fact sheet §5.1), so a rotation is:
 * 1. mark the source `awaiting_secret` and wait until the gateway shows it: from then on a
 *    delivery with an unknown signature is held (up to 5 s) for the next reload, not refused,
 *    since Allo may sign with the new webhook's secret before the file has it;
 * 2. create a second webhook for the same URL and topics; Allo returns its fresh secret;
 * 3. add that secret to the source (old and new both verify), clear the mark, wait for the reload;
 * 4. wait until the gateway has verified an event signed with the new secret. Meanwhile both
 *    webhooks deliver, so events arrive twice with different webhook-ids; the projections absorb
 *    them by natural key;
 * 5. delete the old webhook, wait `graceSeconds` for its in-flight deliveries, drop its secret.
 * The plan is in the sources file from step 3 on, so a run that times out in step 4 is finished
 * by running `allo rotate` again. Resolves with the exit code (1 while the rotation is pending).
 */
export async function rotateSource(deps: AlloDeps, options: RotateOptions): Promise<number> {
  const { source } = options;
  const entry = readSourcesFile(deps.env.sourcesFile).get(source);
  if (!entry?.url)
    throw new AlloCommandError(
      `source "${source}" has no Allo webhook recorded in ${deps.env.sourcesFile}: run "allo connect" first`,
    );
  const url = entry.url;
  const webhooks = (await deps.api.listWebhooks()).filter((w) => sameUrl(w.url, url));
  let plan: Required<Pick<SourceEntry, 'webhookId' | 'retiringWebhookIds'>> & SourceEntry;
  if (entry.webhookId && entry.retiringWebhookIds?.length && webhooks.some((w) => w.id === entry.webhookId)) {
    plan = { ...entry, webhookId: entry.webhookId, retiringWebhookIds: entry.retiringWebhookIds };
    deps.out(`resuming the rotation of source "${source}": new webhook ${plan.webhookId}`);
  } else {
    if (webhooks.length === 0)
      throw new AlloCommandError(`Allo has no webhook for ${url}: run "allo connect --url ${url}" first`);
    await markAwaiting(deps, source, entry, Math.min(options.waitSeconds, 30) * 1000);
    plan = await createSuccessor(deps, source, entry, webhooks).catch((error: unknown) => {
      writeEntry(deps, source, entry);
      throw error;
    });
    writeEntry(deps, source, plan);
    deps.out(`3/5 added its secret to source "${source}" (${plan.secrets.length} secrets verify now)`);
  }
  const secret = plan.secrets[plan.secrets.length - 1]!;
  const fingerprint = alloSecretFingerprint(secret);
  const deadlineMs = options.waitSeconds * 1000;
  const startedAt = deps.now();
  const loaded = await waitFor(deps, deadlineMs, () => sourceStatus(deps, source, fingerprint));
  if (!loaded)
    return pending(deps, source, `the gateway at ${deps.env.gatewayUrl} has not loaded the new secret`);
  const verified = await waitFor(deps, Math.max(0, deadlineMs - (deps.now() - startedAt)), async () => {
    const status = await sourceStatus(deps, source, fingerprint);
    return status?.secrets.find((s) => s.fingerprint === fingerprint)?.lastVerifiedAt ?? undefined;
  });
  if (!verified)
    return pending(
      deps,
      source,
      "no event signed with the new secret has reached the gateway yet (send a Test from Allo's dashboard, Settings > Webhooks, to speed it up)",
    );
  deps.out(`4/5 the gateway verified an event signed with the new secret at ${verified}`);
  for (const id of plan.retiringWebhookIds) {
    const deleted = await deps.api.deleteWebhook(id);
    deps.out(deleted ? `5/5 deleted the old webhook ${id}` : `5/5 the old webhook ${id} was already gone`);
  }
  deps.out(`    keeping the old secret ${options.graceSeconds} s more for deliveries already in flight`);
  await deps.sleep(options.graceSeconds * 1000);
  writeEntry(deps, source, { secrets: [secret], url, webhookId: plan.webhookId });
  const settled = await waitFor(deps, 10_000, async () => {
    const status = await sourceStatus(deps, source, fingerprint);
    return status && status.secrets.length === 1 ? true : undefined;
  });
  deps.out(
    `rotated source "${source}": webhook ${plan.webhookId} is the only one for ${url}; ` +
      (settled ? 'the gateway verifies with its secret alone' : 'the gateway has not reloaded yet'),
  );
  return 0;
}

async function createSuccessor(
  deps: AlloDeps,
  source: string,
  entry: SourceEntry,
  webhooks: readonly AlloWebhook[],
): Promise<Required<Pick<SourceEntry, 'webhookId' | 'retiringWebhookIds'>> & SourceEntry> {
  const template = webhooks.find((w) => w.id === entry.webhookId) ?? webhooks[0]!;
  const created = await deps.api.createWebhook({
    url: template.url,
    topics: template.topics,
    description: template.description ?? `allo-pipeline source ${source}`,
  });
  if (!created.signing_secret || !secretKey(created.signing_secret)) {
    await deps.api.deleteWebhook(created.id);
    throw new AlloCommandError(
      `Allo created ${created.id} without a usable signing_secret; it was deleted again`,
    );
  }
  deps.out(
    `2/5 created webhook ${created.id} for ${template.url} beside ${webhooks.map((w) => w.id).join(', ')}`,
  );
  return {
    ...withSecret(entry, created.signing_secret),
    webhookId: created.id,
    retiringWebhookIds: webhooks.map((w) => w.id),
  };
}

/** Rewrites one source of the file as it is now (other sources may have changed meanwhile). */
function writeEntry(deps: AlloDeps, source: string, entry: SourceEntry): void {
  const sources = readSourcesFile(deps.env.sourcesFile);
  writeSourcesFile(deps.env.sourcesFile, withSource(sources, source, entry));
}

/** Step 1; throws (with nothing created at Allo) when the gateway does not pick up the file. */
async function markAwaiting(
  deps: AlloDeps,
  source: string,
  entry: SourceEntry,
  timeoutMs: number,
): Promise<void> {
  writeEntry(deps, source, { ...entry, awaitingSecret: true });
  const seen = await waitFor(deps, timeoutMs, async () => {
    const outcome = await deps.gatewayStatus();
    return outcome.ok && outcome.status.sources[source]?.awaitingSecret === true ? true : undefined;
  });
  if (seen) {
    deps.out(
      `1/5 the gateway holds deliveries with an unknown signature for "${source}" until the new secret is in`,
    );
    return;
  }
  writeEntry(deps, source, entry);
  throw new AlloCommandError(
    `the gateway at ${deps.env.gatewayUrl} did not pick up the change to ${deps.env.sourcesFile}, so a rotation ` +
      'would refuse deliveries; nothing was created at Allo. Start the gateway with ALLO_SOURCES_FILE pointing ' +
      'at that file (npm start does when it exists) and GATEWAY_URL naming it',
  );
}

/** The source as the gateway shows it, once it lists the secret with `fingerprint`. */
async function sourceStatus(
  deps: AlloDeps,
  source: string,
  fingerprint: string,
): Promise<GatewaySourceStatus | undefined> {
  const outcome = await deps.gatewayStatus();
  const status = outcome.ok ? outcome.status.sources[source] : undefined;
  return status?.secrets.some((s) => s.fingerprint === fingerprint) ? status : undefined;
}

function pending(deps: AlloDeps, source: string, why: string): number {
  deps.out(
    `rotation of source "${source}" is pending: ${why}. Both webhooks stay, both secrets verify; ` +
      `run "allo rotate --source ${source}" again to finish.`,
  );
  return 1;
}
