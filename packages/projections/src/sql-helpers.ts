import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { storableJson } from './storable.js';

/** `"schema"."table"` for raw statements against one generation's schema. */
export function table(schema: string, name: string): RawBuilder<unknown> {
  return sql.id(schema, name);
}

/**
 * Rows as one jsonb parameter: every multi-row statement sends a single JSON array and lets
 * Postgres expand it (jsonb_populate_recordset / jsonb_to_recordset), so a batch of any size is
 * one round trip per statement, never one statement per event. Every string in it is made
 * storable (storable.ts): this is the one way event text reaches the read models.
 */
export function jsonRows(rows: readonly object[]): RawBuilder<unknown> {
  return sql`${JSON.stringify(rows, storableJson)}::jsonb`;
}

/**
 * Takes a transaction-scoped advisory lock per entity key of one generation, in the order given
 * (callers pass keys sorted, in their fixed class order), so that two transactions touching one
 * entity run one after the other. One round trip: unnest yields the keys in array order and the
 * locks are taken row by row in that order. Re-taking a lock this transaction holds is a no-op.
 */
export async function lockEntities(
  db: Kysely<ReadModelDatabase>,
  schema: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    select count(pg_advisory_xact_lock(hashtextextended(${schema} || ':' || k.key, 0)))
    from unnest(${keys}::text[]) with ordinality as k(key, ord)`.execute(db);
}

/** `set col = excluded.col, …` for an upsert that replaces every listed column. */
export function setExcluded(columns: readonly string[]): RawBuilder<unknown> {
  return sql.join(
    columns.map((column) => sql`${sql.id(column)} = excluded.${sql.id(column)}`),
    sql`, `,
  );
}

/** Groups items by key, keeping their order (Map.groupBy needs Node 21). */
export function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
