import {
  asServiceConfigError,
  readFileText,
  readSecret,
  secretVariable,
} from '@allo-pipeline/service-config';
import { parseSecretList, type WebhookSecret } from '@allo-pipeline/webhook-signature';
import { GatewayConfigError } from './config-error.js';

/** Secrets by source name; `default` serves POST /webhooks/allo. */
export type SourceSecrets = ReadonlyMap<string, readonly WebhookSecret[]>;

/**
 * Where the sources come from, parsed once at start-up. The file is read again on every reload
 * (file watch, SIGHUP); the environment layers are fixed for the life of the process.
 */
export interface SourceLayers {
  /**
   * From ALLO_WEBHOOK_SECRET (or the file ALLO_WEBHOOK_SECRET_FILE names): the `default` source,
   * overridden by the sources file or ALLO_SOURCES.
   */
  readonly fromSecret: SourceSecrets;
  /** ALLO_SOURCES_FILE, read at start-up and on reload. */
  readonly file: string | null;
  /** From ALLO_SOURCES: overrides the file for the sources it names. */
  readonly fromEnv: SourceSecrets;
}

export const DEFAULT_SOURCE = 'default';
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/**
 * Parses ALLO_WEBHOOK_SECRET (or ALLO_WEBHOOK_SECRET_FILE) and ALLO_SOURCES; throws
 * GatewayConfigError naming the variable.
 */
export function readSourceLayers(env: NodeJS.ProcessEnv): SourceLayers {
  const fromSecret = new Map<string, readonly WebhookSecret[]>();
  const secret = asServiceConfigError(
    (variable, problem) => new GatewayConfigError(variable, problem),
    () => readSecret(env, 'ALLO_WEBHOOK_SECRET'),
  );
  if (secret) {
    const variable = secretVariable(env, 'ALLO_WEBHOOK_SECRET') ?? 'ALLO_WEBHOOK_SECRET';
    fromSecret.set(DEFAULT_SOURCE, parseSecrets(secret, variable));
  }
  return {
    fromSecret,
    file: env.ALLO_SOURCES_FILE || null,
    fromEnv: new Map(
      (env.ALLO_SOURCES ? parseSourcesJson(env.ALLO_SOURCES, 'ALLO_SOURCES') : []).map((e) => [
        e.name,
        e.secrets,
      ]),
    ),
  };
}

/** The sources with the file's notes the gateway acts on. */
export interface LoadedSources {
  readonly secrets: Map<string, readonly WebhookSecret[]>;
  /**
   * Sources the file marks `"awaiting_secret": true`: `allo rotate` is about to create a webhook
   * whose secret Allo may use before the file has it, so a bad signature is held briefly for it.
   */
  readonly awaitingSecret: ReadonlySet<string>;
}

/**
 * Composes the layers, reading the sources file now. Throws GatewayConfigError (naming the
 * variable, never a secret) when the file is unreadable or invalid, or no source is left.
 */
export function loadSources(layers: SourceLayers): Map<string, readonly WebhookSecret[]> {
  return loadSourcesWithNotes(layers).secrets;
}

/** loadSources, with the notes of the file (see LoadedSources). */
export function loadSourcesWithNotes(layers: SourceLayers): LoadedSources {
  const sources = new Map(layers.fromSecret);
  const awaitingSecret = new Set<string>();
  if (layers.file) {
    for (const entry of parseSourcesJson(readSourcesFile(layers.file), 'ALLO_SOURCES_FILE')) {
      sources.set(entry.name, entry.secrets);
      if (entry.awaitingSecret) awaitingSecret.add(entry.name);
    }
  }
  for (const [name, secrets] of layers.fromEnv) sources.set(name, secrets);
  if (sources.size === 0) {
    throw new GatewayConfigError(
      'ALLO_WEBHOOK_SECRET',
      'not set: give the endpoint signing secret (whsec_…) from Allo (or ALLO_WEBHOOK_SECRET_FILE naming a file holding it), or configure ALLO_SOURCES / ALLO_SOURCES_FILE',
    );
  }
  return { secrets: sources, awaitingSecret };
}

/**
 * `{"<name>": "whsec_a whsec_b"}`, `{"<name>": ["whsec_a", "whsec_b"]}`, or the form the CLI
 * writes, `{"<name>": {"secrets": [...], ...}}` (other keys are the CLI's notes and are ignored).
 */
export function parseSourcesJson(
  json: string,
  variable: string,
): Array<{ name: string; secrets: readonly WebhookSecret[]; awaitingSecret: boolean }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new GatewayConfigError(variable, 'is not valid JSON (expected {"<source>": "whsec_…"})');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayConfigError(variable, 'must be a JSON object mapping source names to secrets');
  }
  return Object.entries(parsed).map(([name, value]) => {
    if (!SOURCE_NAME.test(name)) {
      throw new GatewayConfigError(variable, `source name "${name}" must match ${SOURCE_NAME.source}`);
    }
    const entry: unknown = isObject(value) ? value.secrets : value;
    const list: unknown = Array.isArray(entry) ? (entry as unknown[]).join(' ') : entry;
    if (typeof list !== 'string')
      throw new GatewayConfigError(
        variable,
        `secrets of "${name}" must be a string, an array or {"secrets": [...]}`,
      );
    return {
      name,
      secrets: parseSecrets(list, `${variable}["${name}"]`),
      awaitingSecret: isObject(value) && value.awaiting_secret === true,
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readSourcesFile(path: string): string {
  return asServiceConfigError(
    (variable, problem) => new GatewayConfigError(variable, problem),
    () => readFileText(path, 'ALLO_SOURCES_FILE'),
  );
}

function parseSecrets(value: string, variable: string): readonly WebhookSecret[] {
  try {
    return parseSecretList(value, variable);
  } catch (error) {
    // parseSecretList already names the variable; keep it once.
    const message = (error as Error).message;
    const prefix = `${variable}: `;
    throw new GatewayConfigError(
      variable,
      message.startsWith(prefix) ? message.slice(prefix.length) : message,
    );
  }
}
