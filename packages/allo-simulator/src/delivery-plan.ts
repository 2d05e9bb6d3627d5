import type { Random } from './random.js';

/**
 * Shuffles within a sliding window of `window` items: each output position takes a random item
 * from the next `window` unsent ones. An item is never sent more than `window - 1` positions
 * earlier than its original index. `window` <= 1 keeps the order. Returns a new array.
 */
export function reorderWithinWindow<T>(items: readonly T[], window: number, random: Random): T[] {
  if (window <= 1) return [...items];
  const buffer: T[] = [];
  const out: T[] = [];
  let next = 0;
  while (out.length < items.length) {
    while (buffer.length < window && next < items.length) buffer.push(items[next++] as T);
    const index = random.int(0, buffer.length - 1);
    out.push(buffer[index] as T);
    buffer[index] = buffer[buffer.length - 1] as T; // O(1) removal; the buffer's order is irrelevant
    buffer.pop();
  }
  return out;
}

/** The ids chosen (each with probability `rate`) to be delivered again after their first ack. */
export function pickDuplicates(ids: readonly string[], rate: number, random: Random): Set<string> {
  const chosen = new Set<string>();
  if (rate <= 0) return chosen;
  for (const id of ids) if (random.chance(rate)) chosen.add(id);
  return chosen;
}
