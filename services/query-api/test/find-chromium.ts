import { existsSync } from 'node:fs';

/** Where Debian and Ubuntu put their Chromium. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'] as const;

/**
 * The Chromium to drive: CHROMIUM_PATH when set (returned even if missing, so a wrong setting
 * fails loudly at launch), else the first candidate that exists, else undefined.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) return configured;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path));
}
