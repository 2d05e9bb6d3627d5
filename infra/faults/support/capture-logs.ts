import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** Pino output kept in memory, so a test can check what a service would have written. */
export interface CapturedLogs {
  /** A logger at `level` (default debug: the most a user could turn on) writing into `lines`. */
  readonly logger: Logger;
  /** Every JSON line written so far, as written. */
  readonly lines: string[];
  /**
   * The forbidden strings found in the captured output, each with the first line holding it
   * (cut to 300 characters); empty when the logs are clean.
   */
  leaks(forbidden: readonly ForbiddenString[]): Array<{ what: string; line: string }>;
}

/** A string that must never reach a log, and what it is (named in failures, never shown). */
export interface ForbiddenString {
  readonly what: string;
  readonly value: string;
}

/**
 * A capturing pino destination. The check is on the serialized text, so a secret is caught
 * whichever field carries it (an error's message, a header echoed in `req`, a nested object).
 */
export function captureLogs(level: pino.LevelWithSilent = 'debug'): CapturedLogs {
  const lines: string[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) if (line !== '') lines.push(line);
      done();
    },
  });
  const logger = pino({ level }, destination);
  return {
    logger,
    lines,
    leaks(forbidden) {
      const text = [...lines, pending];
      const found: Array<{ what: string; line: string }> = [];
      for (const { what, value } of forbidden) {
        // A too-short value would match by accident and prove nothing.
        if (value.length < 8) throw new Error(`forbidden string for ${what} is too short to check`);
        const line = text.find((candidate) => candidate.includes(value));
        if (line !== undefined) found.push({ what, line: line.replaceAll(value, '<LEAK>').slice(0, 300) });
      }
      return found;
    },
  };
}

/** The forbidden strings for a `whsec_…` secret: the secret itself and its base64 key. */
export function secretStrings(what: string, secret: string): ForbiddenString[] {
  const key = secret.replace(/^whsec_/, '');
  return [
    { what: `${what} (whsec_ form)`, value: secret },
    { what: `${what} (base64 key)`, value: key },
  ];
}
