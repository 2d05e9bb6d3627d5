import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { SimulatedEvent } from './generate-history.js';

/** One line of an ack log: the webhook-id and the exact body string that was acknowledged. */
export interface AckLogEntry {
  readonly id: string;
  readonly body: string;
}

/** An append-only JSON-lines file of acknowledged events; `close()` flushes it. */
export interface AckLog {
  record(event: SimulatedEvent): void;
  close(): Promise<void>;
}

/** The ack-log line for an event: `{"id":…,"body":…}` and a newline. */
export function formatAckLine(event: SimulatedEvent): string {
  const entry: AckLogEntry = { id: event.id, body: event.body };
  return `${JSON.stringify(entry)}\n`;
}

/**
 * Opens (truncates) `path` for writing acknowledged events, one JSON line each. Rejects when the
 * file cannot be opened; a later write error rejects `close()`.
 */
export async function openAckLog(path: string): Promise<AckLog> {
  const stream = createWriteStream(path, { flags: 'w', encoding: 'utf8' });
  await once(stream, 'open');
  const done = finished(stream); // rejects on any later write error
  done.catch(() => undefined); // observed by close(); avoids an unhandled rejection before then
  return {
    record: (event) => void stream.write(formatAckLine(event)),
    close: async () => {
      stream.end();
      await done;
    },
  };
}

/** Reads an ack log back (for tests proving nothing acknowledged was lost). */
export async function readAckLog(path: string): Promise<AckLogEntry[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AckLogEntry);
}
