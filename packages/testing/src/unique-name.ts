import { randomBytes } from 'node:crypto';

/** A name unique to this test run, safe for Kafka topics and Postgres identifiers. */
export function uniqueName(prefix: string): string {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${safePrefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
