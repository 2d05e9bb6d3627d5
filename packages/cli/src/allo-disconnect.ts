import { AlloCommandError, sameUrl, type AlloDeps } from './allo-deps.js';
import { readSourcesFile, withSource, writeSourcesFile } from './allo-sources-file.js';

export interface DisconnectOptions {
  readonly source: string;
  /** Resolves true to go ahead; the caller asks on a terminal or honours --yes. */
  readonly confirm: (question: string) => Promise<boolean>;
}

/**
 * `allo disconnect`: after confirmation, deletes the source's webhooks at Allo (which also
 * deletes their delivery history) and removes the source from the sources file, so the gateway
 * stops accepting it. Resolves with the exit code (1 when not confirmed).
 */
export async function disconnectSource(deps: AlloDeps, options: DisconnectOptions): Promise<number> {
  const sources = readSourcesFile(deps.env.sourcesFile);
  const entry = sources.get(options.source);
  if (!entry?.url)
    throw new AlloCommandError(
      `source "${options.source}" has no Allo webhook recorded in ${deps.env.sourcesFile}`,
    );
  const url = entry.url;
  const webhooks = (await deps.api.listWebhooks()).filter((w) => sameUrl(w.url, url));
  const ids = webhooks.map((w) => w.id);
  const question =
    ids.length > 0
      ? `Delete ${ids.join(', ')} (${url}) at Allo? Deliveries stop and their history is deleted.`
      : `Allo has no webhook for ${url}. Remove source "${options.source}" from ${deps.env.sourcesFile}?`;
  if (!(await options.confirm(question))) {
    deps.out('nothing changed');
    return 1;
  }
  for (const id of ids) {
    const deleted = await deps.api.deleteWebhook(id);
    deps.out(deleted ? `deleted webhook ${id}` : `webhook ${id} was already gone`);
  }
  writeSourcesFile(deps.env.sourcesFile, withSource(sources, options.source, undefined));
  deps.out(`removed source "${options.source}" and its secrets from ${deps.env.sourcesFile}`);
  return 0;
}
