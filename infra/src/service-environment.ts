// The environment `npm start` gives its services: the stack endpoints, plus development
// credentials for what the user did not configure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  developmentApiToken,
  developmentWebhookSecret,
  type DevelopmentCredential,
} from './dev-credentials.js';

/**
 * The environment shared by every service, with development credentials (kept in the state
 * folder) for what is not configured: the webhook secret and the query API's tokens.
 */
export function serviceEnvironment(
  stateDir: string,
  endpoints: NodeJS.ProcessEnv,
  print: (line: string) => void,
): { env: NodeJS.ProcessEnv; devApiToken: DevelopmentCredential | undefined } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...endpoints };
  // The stack read DATABASE_URL_FILE into the DATABASE_URL it gives: a service refuses both.
  if (endpoints.DATABASE_URL) delete env.DATABASE_URL_FILE;
  // Sources the user configured replace the development secret; the file `allo connect` keeps
  // in the state folder does so only for the sources it names.
  // Every variable passes through as it is (KAFKA_SASL_*, KAFKA_SSL_*, *_FILE secrets…); a secret
  // given as a file counts as configured, or the development one would clash with it.
  const userConfigured = Boolean(
    env.ALLO_WEBHOOK_SECRET || env.ALLO_WEBHOOK_SECRET_FILE || env.ALLO_SOURCES || env.ALLO_SOURCES_FILE,
  );
  const connected = join(stateDir, ALLO_SOURCES_FILE_NAME);
  const useConnected = !env.ALLO_SOURCES_FILE && existsSync(connected);
  if (useConnected) {
    env.ALLO_SOURCES_FILE = connected;
    print(`\nAllo sources from ${connected} (allo connect); the gateway reloads it when it changes`);
  }
  if (!userConfigured && !(useConnected && configuresDefault(connected))) {
    const { value, file, generated } = developmentWebhookSecret(stateDir);
    env.ALLO_WEBHOOK_SECRET = value;
    print(
      generated
        ? `\nNo ALLO_WEBHOOK_SECRET set: generated a development secret (kept in ${file}; npm run simulate signs with it)`
        : `\nNo ALLO_WEBHOOK_SECRET set: using the development secret kept in ${file}`,
    );
  }
  if (env.API_TOKENS?.trim() || env.API_TOKENS_FILE?.trim()) return { env, devApiToken: undefined };
  const devApiToken = developmentApiToken(stateDir);
  env.API_TOKENS = devApiToken.value;
  const how = devApiToken.generated ? 'generated' : 'using';
  print(`No API_TOKENS set: ${how} a development API token (kept in ${devApiToken.file})`);
  return { env, devApiToken };
}

/**
 * The sources file `npm run cli -- allo connect` writes in the state folder; the CLI uses the same
 * name (packages/cli/src/allo-env.ts SOURCES_FILE_NAME), as it cannot be imported from here.
 */
export const ALLO_SOURCES_FILE_NAME = 'allo-sources.json';

/** True when the file names the `default` source; an unreadable file is left to the gateway to report. */
function configuresDefault(file: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, 'default');
  } catch {
    return false;
  }
}
