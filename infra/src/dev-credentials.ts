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
  const file = join(stateDir, name);
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (kept) return { value: kept, file, generated: false };
  mkdirSync(stateDir, { recursive: true });
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { value, file, generated: true };
}

/** A Standard Webhooks signing secret for the gateway's default source. */
export function developmentWebhookSecret(stateDir: string): DevelopmentCredential {
  return developmentCredential(
    stateDir,
    'dev-webhook-secret',
    () => `whsec_${randomBytes(32).toString('base64')}`,
  );
}

/** A bearer token for the query API and its dashboard. */
export function developmentApiToken(stateDir: string): DevelopmentCredential {
  return developmentCredential(stateDir, 'dev-api-token', () => `dev_${randomBytes(24).toString('hex')}`);
}
