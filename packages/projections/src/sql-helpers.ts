import { sql, type RawBuilder } from 'kysely';
import { storableJson } from './storable.js';

/** `"schema"."table"` for raw statements against one generation's schema. */
export function table(schema: string, name: string): RawBuilder<unknown> {
  return sql.id(schema, name);
}

/**
 * Rows as one jsonb parameter: every multi-row statement sends a single JSON array and lets
 * Postgres expand it (jsonb_populate_recordset / jsonb_to_recordset), so a batch of any size is
 * one round trip per statement, never one statement per event. Every string in it, object keys
 * included, is made storable (storable.ts): this is how event text reaches the read models (the
 * few other parameters are ids read back from these tables, or made storable where they are built).
 */
export function jsonRows(rows: readonly object[]): RawBuilder<unknown> {
  return sql`${JSON.stringify(rows, storableJson)}::jsonb`;
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
