import type { AlloWebhook } from './allo-api-client.js';
import { AlloCommandError, sameUrl, waitFor, type AlloDeps } from './allo-deps.js';
import { alloSecretFingerprint, secretKey } from './allo-secret-fingerprint.js';
import {
  isSourceName,
  readSourcesFile,
  withSecret,
  withSource,
  writeSourcesFile,
  type SourceEntry,
} from './allo-sources-file.js';

export interface ConnectOptions {
  readonly url: string;
  readonly source: string | undefined;
  readonly topics: 'all' | readonly string[];
}

const ROUTE = /^\/webhooks\/allo(?:\/([^/]+))?\/?$/;

/**
 * The gateway source a webhook URL reaches: `/webhooks/allo` is `default`, `/webhooks/allo/<s>`
 * is `<s>`. Behind a proxy that rewrites paths, `--source` says it. Throws AlloCommandError when
 * the URL is not public HTTPS, or the source is unclear or contradicts the path.
 */
export function sourceForUrl(url: string, explicit: string | undefined): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AlloCommandError(`--url: not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'https:')
    throw new AlloCommandError('--url: Allo delivers only to public HTTPS URLs (fact sheet §4.1)');
  const match = ROUTE.exec(parsed.pathname);
  const fromPath = match ? (match[1] ?? 'default') : undefined;
  if (explicit !== undefined && !isSourceName(explicit))
    throw new AlloCommandError(`--source: "${explicit}" is not a source name (letters, digits, - and _)`);
  if (explicit !== undefined && fromPath !== undefined && explicit !== fromPath)
    throw new AlloCommandError(
      `--source ${explicit} contradicts the URL, whose path reaches source "${fromPath}" on the gateway`,
    );
  const source = explicit ?? fromPath;
  if (source === undefined)
    throw new AlloCommandError(
      '--url: the path is not /webhooks/allo[/<source>]; give --source for the gateway source it reaches',
    );
  if (!isSourceName(source)) throw new AlloCommandError(`--url: "${source}" is not a source name`);
  return source;
}

/**
 * `allo connect`: checks the topics against Allo's event types (nothing is created when one is
 * unknown), updates the webhook Allo already has for the URL (topics, enabled) or creates one,
 * and stores its signing secret beside the source's active ones. Resolves with the exit code.
 */
export async function connectSource(deps: AlloDeps, options: ConnectOptions): Promise<number> {
  const source = sourceForUrl(options.url, options.source);
  const topics = await checkedTopics(deps, options.topics);
  const sources = readSourcesFile(deps.env.sourcesFile);
  const entry = sources.get(source);
  const matches = (await deps.api.listWebhooks()).filter((w) => sameUrl(w.url, options.url));
  let secret: string | undefined;
  let webhookId: string;
  if (matches.length === 0) {
    const created = await deps.api.createWebhook({
      url: options.url,
      topics,
      description: `allo-pipeline source ${source}`,
    });
    deps.out(`created webhook ${created.id} for ${options.url} (${describeTopics(topics)})`);
    if (!created.signing_secret)
      throw new AlloCommandError(
        `Allo created ${created.id} but returned no signing_secret; run "allo rotate --source ${source}" to make a new one`,
      );
    secret = created.signing_secret;
    webhookId = created.id;
  } else {
    for (const webhook of matches) await update(deps, webhook, topics);
    const current = matches.find((w) => w.id === entry?.webhookId) ?? newest(matches);
    webhookId = current.id;
    const known = entry?.webhookId === current.id && entry.secrets.length > 0;
    if (!known) secret = (await deps.api.getWebhook(current.id)).signing_secret ?? undefined;
    if (!known && secret === undefined) return missingSecret(deps, source, current.id, entry);
  }
  if (secret !== undefined && !secretKey(secret))
    throw new AlloCommandError(`Allo returned a signing_secret for ${webhookId} that is not whsec_<base64>`);
  const next: SourceEntry = { ...(secret ? withSecret(entry, secret) : entry!), url: options.url, webhookId };
  writeSourcesFile(deps.env.sourcesFile, withSource(sources, source, next));
  deps.out(
    secret
      ? `stored the signing secret of ${webhookId} for source "${source}" in ${deps.env.sourcesFile} (mode 600); ${next.secrets.length} secret(s) active`
      : `source "${source}" keeps its ${next.secrets.length} stored secret(s) (${deps.env.sourcesFile})`,
  );
  if (secret) await reportReload(deps, source, alloSecretFingerprint(secret));
  return 0;
}

async function checkedTopics(deps: AlloDeps, wanted: ConnectOptions['topics']): Promise<string[]> {
  const known = (await deps.api.listEventTypes()).map((type) => type.name);
  if (wanted === 'all') return known;
  const unknown = wanted.filter((topic) => !known.includes(topic));
  if (unknown.length > 0)
    throw new AlloCommandError(
      `unknown topic(s) ${unknown.join(', ')}; nothing was created or changed. Allo knows: ${known.join(', ')}`,
    );
  return [...new Set(wanted)];
}

async function update(deps: AlloDeps, webhook: AlloWebhook, topics: readonly string[]): Promise<void> {
  await deps.api.updateWebhook(webhook.id, { topics, enabled: true });
  deps.out(`updated webhook ${webhook.id} for ${webhook.url} (${describeTopics(topics)}, enabled)`);
  if (!webhook.enabled)
    deps.out(
      `  it was disabled at Allo and is enabled again; use Recover in Allo's dashboard (Settings > Webhooks) to replay what it missed`,
    );
}

function missingSecret(deps: AlloDeps, source: string, id: string, entry: SourceEntry | undefined): number {
  if (entry && entry.secrets.length > 0) {
    deps.out(
      `Allo did not return the signing secret of ${id}; source "${source}" keeps its ${entry.secrets.length} stored secret(s). ` +
        `If its deliveries fail the signature check, run "allo rotate --source ${source}".`,
    );
    return 0;
  }
  throw new AlloCommandError(
    `Allo did not return the signing secret of the existing webhook ${id}, and none is stored for source "${source}": ` +
      `run "allo rotate --source ${source}" to replace it with a new webhook and a fresh secret`,
  );
}

function newest(webhooks: readonly AlloWebhook[]): AlloWebhook {
  return [...webhooks].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0]!;
}

function describeTopics(topics: readonly string[]): string {
  return topics.length <= 3 ? `topics ${topics.join(', ')}` : `${topics.length} topics`;
}

/** Says whether the gateway has loaded the new secret (it re-reads its sources file on change). */
async function reportReload(deps: AlloDeps, source: string, fingerprint: string): Promise<void> {
  const loaded = await waitFor(deps, 5_000, async () => {
    const outcome = await deps.gatewayStatus();
    if (!outcome.ok) return undefined;
    const secrets = outcome.status.sources[source]?.secrets ?? [];
    return secrets.some((s) => s.fingerprint === fingerprint) ? true : undefined;
  });
  deps.out(
    loaded
      ? `the gateway at ${deps.env.gatewayUrl} verifies source "${source}" with it now`
      : `the gateway at ${deps.env.gatewayUrl} does not show the new secret: it re-reads ${deps.env.sourcesFile} only when started ` +
          'with ALLO_SOURCES_FILE pointing there (npm start does so when the file exists at start-up); restart it once',
  );
}
