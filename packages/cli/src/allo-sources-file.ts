import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { secretKey } from './allo-secret-fingerprint.js';

// The gateway's sources file (ALLO_SOURCES_FILE), as the allo commands keep it. The gateway reads
// `{"<source>": "whsec_a whsec_b"}`, `{"<source>": ["whsec_a", ...]}` and the object form written
// here, `{"<source>": {"secrets": [...], "url", "webhook_id", "retiring_webhook_ids"}}`, where
// every secret verifies (old and new during a rotation) and the other keys are the CLI's notes,
// of which the gateway reads one, "awaiting_secret".

/** One source as the allo commands know it. */
export interface SourceEntry {
  /** Active signing secrets, oldest first; the last is the one of `webhookId`. */
  readonly secrets: readonly string[];
  /** The URL registered at Allo. */
  readonly url?: string;
  /** The webhook whose secret is last in `secrets`. */
  readonly webhookId?: string;
  /** During a rotation: the webhooks to delete once the new secret has verified an event. */
  readonly retiringWebhookIds?: readonly string[];
  /** Set while `allo rotate` creates a webhook: the gateway holds bad signatures briefly. */
  readonly awaitingSecret?: boolean;
}

export type SourcesFile = ReadonlyMap<string, SourceEntry>;

/** The sources file cannot be read or is not in the gateway's format; never holds a secret. */
export class SourcesFileError extends Error {
  override readonly name = 'SourcesFileError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`sources file ${path}: ${problem}`);
  }
}

const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/** Checks a source name the way the gateway does. */
export function isSourceName(name: string): boolean {
  return SOURCE_NAME.test(name);
}

/** Parses the file's text; throws SourcesFileError naming the source at fault. */
export function parseSourcesFile(text: string, path: string): Map<string, SourceEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SourcesFileError(path, 'is not valid JSON');
  }
  if (!isRecord(parsed)) throw new SourcesFileError(path, 'must be a JSON object of sources');
  const sources = new Map<string, SourceEntry>();
  for (const [name, value] of Object.entries(parsed)) {
    if (!isSourceName(name)) throw new SourcesFileError(path, `bad source name "${name}"`);
    const notes = isRecord(value) ? value : {};
    const secrets = secretList(isRecord(value) ? value.secrets : value, path, name);
    sources.set(name, {
      secrets,
      ...(typeof notes.url === 'string' ? { url: notes.url } : {}),
      ...(typeof notes.webhook_id === 'string' ? { webhookId: notes.webhook_id } : {}),
      ...(Array.isArray(notes.retiring_webhook_ids)
        ? {
            retiringWebhookIds: notes.retiring_webhook_ids.filter(
              (id): id is string => typeof id === 'string',
            ),
          }
        : {}),
      ...(notes.awaiting_secret === true ? { awaitingSecret: true } : {}),
    });
  }
  return sources;
}

function secretList(value: unknown, path: string, name: string): string[] {
  const text = Array.isArray(value) ? (value as unknown[]).join(' ') : value;
  if (typeof text !== 'string') throw new SourcesFileError(path, `"${name}" has no secrets`);
  const secrets = text.split(/[\s,]+/).filter((s) => s !== '');
  if (secrets.length === 0) throw new SourcesFileError(path, `"${name}" has no secrets`);
  const bad = secrets.findIndex((secret) => secretKey(secret) === undefined);
  if (bad >= 0)
    throw new SourcesFileError(path, `secret ${bad + 1} of "${name}" is not a whsec_<base64> signing secret`);
  return secrets;
}

/** The file's sources, or none when it does not exist yet. */
export function readSourcesFile(path: string): Map<string, SourceEntry> {
  if (!existsSync(path)) return new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SourcesFileError(path, `cannot be read: ${(error as Error).message}`);
  }
  return parseSourcesFile(text, path);
}

export function serializeSourcesFile(sources: SourcesFile): string {
  const body = Object.fromEntries(
    [...sources].map(([name, entry]) => [
      name,
      {
        secrets: entry.secrets,
        ...(entry.url ? { url: entry.url } : {}),
        ...(entry.webhookId ? { webhook_id: entry.webhookId } : {}),
        ...(entry.retiringWebhookIds?.length ? { retiring_webhook_ids: entry.retiringWebhookIds } : {}),
        ...(entry.awaitingSecret ? { awaiting_secret: true } : {}),
      },
    ]),
  );
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Replaces the file in one step (write beside it, mode 600, then rename), so the gateway's watch
 * never reads half a file and other users can never read a secret.
 */
export function writeSourcesFile(path: string, sources: SourcesFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, serializeSourcesFile(sources), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The entry with `secret` appended (kept once), so the secrets already active keep verifying. */
export function withSecret(entry: SourceEntry | undefined, secret: string): SourceEntry {
  const secrets = (entry?.secrets ?? []).filter((s) => s !== secret);
  return { ...entry, secrets: [...secrets, secret] };
}

/** A copy of `sources` with `name` set to `entry` (or removed when entry is undefined). */
export function withSource(
  sources: SourcesFile,
  name: string,
  entry: SourceEntry | undefined,
): Map<string, SourceEntry> {
  const next = new Map(sources);
  if (entry) next.set(name, entry);
  else next.delete(name);
  return next;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
