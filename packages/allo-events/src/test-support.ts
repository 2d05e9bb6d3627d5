// Helpers shared by this package's tests (not exported from index.ts).
import { parseAlloEvent } from './parse-allo-event.js';
import type { AlloEvent, AlloEventOf, ParseIssue } from './types.js';

export class UnexpectedOutcomeError extends Error {
  override readonly name = 'UnexpectedOutcomeError';
}

/** Parses and insists on success; the error message carries the parse issue. */
export function parseOk(input: unknown): AlloEvent {
  const outcome = parseAlloEvent(input);
  if (!outcome.ok) {
    throw new UnexpectedOutcomeError(`expected ok, got ${outcome.error.path}: ${outcome.error.message}`);
  }
  return outcome.event;
}

/** Parses, insists on success and on the topic, and narrows the event to that variant. */
export function parseAs<T extends AlloEvent['topic']>(input: unknown, topic: T): AlloEventOf<T> {
  const event = parseOk(input);
  if (event.topic !== topic) throw new UnexpectedOutcomeError(`expected ${topic}, got ${event.topic}`);
  return event as AlloEventOf<T>;
}

/** Parses and insists on failure. */
export function parseIssue(input: unknown): ParseIssue {
  const outcome = parseAlloEvent(input);
  if (outcome.ok) throw new UnexpectedOutcomeError(`expected an error, parsed ${outcome.event.topic}`);
  return outcome.error;
}

/** A v2 envelope around `data`. */
export function v2(topic: string, data: unknown): Record<string, unknown> {
  return { topic, version: '2.0', timestamp: '2026-02-03T09:19:47.332Z', data };
}
