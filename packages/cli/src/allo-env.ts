import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A bad or missing setting of the allo commands; the message names the variable. */
export class AlloEnvError extends Error {
  override readonly name = 'AlloEnvError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

export interface AlloEnv {
  /** Allo's API base URL (ALLO_API_URL, default https://api.withallo.com). */
  readonly apiUrl: string;
  /** The sources file the gateway reads (ALLO_SOURCES_FILE, else <state folder>/allo-sources.json). */
  readonly sourcesFile: string;
  /** The gateway whose GET /status/sources reports our side (GATEWAY_URL, else the local one). */
  readonly gatewayUrl: string;
  /** Read when a command first calls Allo, so a usage error never needs the key. */
  apiKey(): string;
}

export const DEFAULT_ALLO_API_URL = 'https://api.withallo.com';
/** The file `npm start` points the gateway at when it exists (infra/src/service-environment.ts). */
export const SOURCES_FILE_NAME = 'allo-sources.json';

/**
 * Parses the allo commands' environment once. The API key comes from ALLO_API_KEY or
 * ALLO_API_KEY_FILE (never a flag, which would land in shell history). Throws AlloEnvError.
 */
export function readAlloEnv(env: NodeJS.ProcessEnv, stateDir: () => string): AlloEnv {
  const apiUrl = httpUrl(env, 'ALLO_API_URL', DEFAULT_ALLO_API_URL);
  const gatewayUrl = httpUrl(env, 'GATEWAY_URL', `http://127.0.0.1:${env.GATEWAY_PORT || 8080}`);
  const sourcesFile = env.ALLO_SOURCES_FILE?.trim() || join(stateDir(), SOURCES_FILE_NAME);
  let key: string | undefined;
  return {
    apiUrl,
    sourcesFile,
    gatewayUrl,
    apiKey: () => (key ??= readApiKey(env)),
  };
}

function readApiKey(env: NodeJS.ProcessEnv): string {
  const inline = env.ALLO_API_KEY?.trim();
  const file = env.ALLO_API_KEY_FILE?.trim();
  if (inline && file)
    throw new AlloEnvError('ALLO_API_KEY_FILE', 'set only one of ALLO_API_KEY and ALLO_API_KEY_FILE');
  let key = inline;
  if (file) {
    try {
      key = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new AlloEnvError('ALLO_API_KEY_FILE', `cannot read ${file}: ${(error as Error).message}`);
    }
  }
  const variable = file ? 'ALLO_API_KEY_FILE' : 'ALLO_API_KEY';
  if (!key)
    throw new AlloEnvError(
      variable,
      'not set: create an API key with the scope WEBHOOKS_READ_WRITE in Allo and export ALLO_API_KEY (or put it in a file named by ALLO_API_KEY_FILE)',
    );
  // A key goes into an HTTP header: whitespace or control characters mean a pasting accident.
  if (!/^[\x21-\x7e]+$/.test(key))
    throw new AlloEnvError(variable, 'the key contains spaces or control characters');
  return key;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AlloEnvError(name, `not a URL: "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AlloEnvError(name, 'must be an http(s) URL');
  return url.href.replace(/\/+$/, '');
}
