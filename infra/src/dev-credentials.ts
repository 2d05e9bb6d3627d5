import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Development credentials of `npm start`: generated once, kept (mode 600) in the stack's state
// folder and reused by later runs, so a browser tab or a simulator command keeps working.

export interface DevelopmentCredential {
  readonly value: string;
  /** Where it is kept. */
  readonly file: string;
  /** True when this call created it. */
  readonly generated: boolean;
}

/** The credential kept in `<stateDir>/<name>`, or a new one from `generate` (an empty file counts as none). */
export function developmentCredential(
  stateDir: string,
  name: string,
  generate: () => string,
): DevelopmentCredential {
  const kept = keptDevelopmentCredential(stateDir, name);
  if (kept) return { ...kept, generated: false };
  const file = join(stateDir, name);
  mkdirSync(stateDir, { recursive: true });
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, file, generated: true };
}

const WEBHOOK_SECRET_FILE = 'dev-webhook-secret';

/** The credential kept in `<stateDir>/<name>`, if any; never creates one. */
export function keptDevelopmentCredential(
  stateDir: string,
  name: string,
): { readonly value: string; readonly file: string } | undefined {
  const file = join(stateDir, name);
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return kept ? { value: kept, file } : undefined;
}

/**
 * The development webhook secret `npm start` generated for the local stack whose state folder
 * is `stateDir`, if it has one (the simulator's default secret).
 */
export function keptDevelopmentWebhookSecret(
  stateDir: string,
): { readonly value: string; readonly file: string } | undefined {
  return keptDevelopmentCredential(stateDir, WEBHOOK_SECRET_FILE);
}

/** A Standard Webhooks signing secret for the gateway's default source. */
export function developmentWebhookSecret(stateDir: string): DevelopmentCredential {
  return developmentCredential(
    stateDir,
    WEBHOOK_SECRET_FILE,
    () => `whsec_${randomBytes(32).toString('base64')}`,
  );
}

/** A bearer token for the query API and its dashboard. */
export function developmentApiToken(stateDir: string): DevelopmentCredential {
  return developmentCredential(stateDir, 'dev-api-token', () => `dev_${randomBytes(24).toString('hex')}`);
}
