// Events the read models refuse as a whole, because no part of them can be made storable (value
// by value, storable.ts does the rest):
// - nesting deeper than MAX_NESTING_DEPTH: JSON.stringify recurses, and overflows the stack a few
//   thousand levels down (Postgres' jsonb input at some ten thousand), at a depth that varies with
//   the stack already in use. A fixed limit far below both makes the outcome deterministic, and
//   keeps every stored event refoldable later (a refold serialises stored events again);
// - an entity id longer than MAX_INDEXED_LENGTH: it is a primary key, and cutting it could merge
//   two entities.
// classify() rejects such an event (the runtime dead-letters it, raw record untouched); applyBatch
// throws UnstorableEventError for one that reaches it anyway (or one whose occurredAt Postgres
// cannot hold), before writing anything.
import type { AlloEvent } from '@allo-pipeline/allo-events';
import type { ProjectionEvent } from './projection-event.js';
import { MAX_INDEXED_LENGTH, storableDate } from './storable.js';

/** Deepest nesting of an event's data stored (`data` itself is level 1). */
export const MAX_NESTING_DEPTH = 100;

/** An event no read model can store; a RangeError, which the runtime treats as deterministic. */
export class UnstorableEventError extends RangeError {
  override readonly name = 'UnstorableEventError';

  constructor(
    readonly webhookId: string,
    readonly reason: string,
  ) {
    super(`event ${webhookId} cannot be stored: ${reason}`);
  }
}

/**
 * Why an event cannot be stored, or null: its data nests too deep, or one of `ids` (the entity
 * ids it keys on, by path) is too long to index. Iterative, so any depth is measured safely.
 */
export function unstorableReason(
  event: AlloEvent,
  ids: Readonly<Record<string, string | null | undefined>> = {},
): string | null {
  for (const [path, id] of Object.entries(ids)) {
    if (id !== null && id !== undefined && id.length > MAX_INDEXED_LENGTH)
      return `${path} is ${id.length} characters long, more than the ${MAX_INDEXED_LENGTH} an id may have`;
  }
  const deepField = fieldNestedTooDeep(event.raw);
  return deepField === null
    ? null
    : `data.${deepField} nests more than ${MAX_NESTING_DEPTH} levels deep (at most ${MAX_NESTING_DEPTH} are stored)`;
}

/**
 * Throws UnstorableEventError for the first event that nests too deep (see unstorableReason) or
 * whose occurredAt Postgres cannot hold (the runtime always gives a storable one).
 */
export function assertStorable(events: readonly ProjectionEvent[]): void {
  for (const { webhookId, occurredAt, event } of events) {
    const reason =
      storableDate(occurredAt) === null
        ? `its time (${Number.isNaN(occurredAt.getTime()) ? 'invalid' : occurredAt.toISOString()}) is outside the years 1 to 9999`
        : unstorableReason(event);
    if (reason !== null) throw new UnstorableEventError(webhookId, reason);
  }
}

/** The top-level field of `data` whose value nests past the limit, or null. */
function fieldNestedTooDeep(data: Record<string, unknown>): string | null {
  for (const [name, value] of Object.entries(data)) {
    if (exceedsDepth(value, MAX_NESTING_DEPTH - 1)) return name;
  }
  return null;
}

/** Whether `value` has more than `limit` levels of objects and arrays (explicit stack, no recursion). */
function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (typeof top.value !== 'object' || top.value === null) continue;
    const depth = top.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(top.value)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
    }
  }
  return false;
}
