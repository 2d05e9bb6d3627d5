import type { IncomingMessage } from 'node:http';
import { ALLO_EVENT_TYPES } from './allo-api-event-types.js';

// Request checks of the contract server, from the fact sheet §5: `url` required and public
// HTTPS, `topics` a non-empty list of known event types (else INVALID_EVENT_TYPE).

const TOPICS = new Set(ALLO_EVENT_TYPES.map((type) => type.name));

/** An answer with Allo's error object; the server renders it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable = false,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

export function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'VALIDATION_ERROR', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

export function validUrl(value: unknown): string {
  if (typeof value !== 'string') throw new ApiError(400, 'VALIDATION_ERROR', 'url is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ApiError(400, 'VALIDATION_ERROR', 'url must be a valid URL');
  }
  if (url.protocol !== 'https:')
    throw new ApiError(400, 'VALIDATION_ERROR', 'url must be a public HTTPS URL');
  return value;
}

export function validTopics(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((t) => typeof t === 'string'))
    throw new ApiError(400, 'VALIDATION_ERROR', 'topics must be a non-empty array of event types');
  const unknown = value.filter((topic) => !TOPICS.has(topic));
  if (unknown.length > 0)
    throw new ApiError(400, 'INVALID_EVENT_TYPE', `unknown event type(s): ${unknown.join(', ')}`);
  return [...new Set(value)];
}

export function description(input: Record<string, unknown>): string | null {
  const value = input.description;
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ApiError(400, 'VALIDATION_ERROR', 'description must be a string');
  return value;
}

export function tryParse(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'VALIDATION_ERROR', 'the body is not valid JSON');
  }
}

export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
