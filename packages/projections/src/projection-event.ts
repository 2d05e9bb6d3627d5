import type { AlloEvent } from '@allo-pipeline/allo-events';

/** One authenticated delivery as a projection sees it: the parsed event plus its log metadata. */
export interface ProjectionEvent {
  readonly webhookId: string;
  /** Envelope timestamp, else the webhook-timestamp header: the event's position in time. */
  readonly occurredAt: Date;
  readonly event: AlloEvent;
}

/**
 * The total order every projection folds in: event time, then webhook id as a tie-break, so the
 * result never depends on delivery order (Allo delivers unordered, and equal timestamps happen).
 */
export function compareEvents(
  a: { occurredAt: Date; webhookId: string },
  b: { occurredAt: Date; webhookId: string },
): number {
  const byTime = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (byTime !== 0) return byTime;
  return a.webhookId < b.webhookId ? -1 : a.webhookId > b.webhookId ? 1 : 0;
}

/** Keeps the first event for each webhook id (duplicates inside one batch). */
export function uniqueByWebhookId<T extends { webhookId: string }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((event) => (seen.has(event.webhookId) ? false : (seen.add(event.webhookId), true)));
}

/** The newest non-null value of a field, folding in order (last write wins, nulls never erase). */
export function latest<T>(current: T | null, next: T | null | undefined): T | null {
  return next === null || next === undefined ? current : next;
}

/** Shallow merge where later non-null keys win; the basis of every `data` column. */
export function mergeData(
  current: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(next))
    if (value !== null && value !== undefined) merged[key] = value;
  return merged;
}
