import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ReadModelDatabase } from '@allo-pipeline/read-models';
import { EXPORT_SPECS, type ExportEntity, type ExportRow } from './export-columns.js';

/** Which rows to export: time column at or after `since`, before `until` (either may be absent). */
export interface ExportRange {
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
}

type Db = Kysely<ReadModelDatabase>;

// Select lists per entity: typed columns as they are, JSON turned into what the file holds.
const SELECT: Record<ExportEntity, RawBuilder<unknown>> = {
  calls: sql`call_id, direction, status, result, from_number, to_number, from_name, to_name,
    user_email, contact_id, started_at, duration_seconds, summary, recording_url,
    coalesce(jsonb_typeof(transcript) = 'array' and jsonb_array_length(transcript) > 0, false) as has_transcript,
    first_event_at, last_event_at`,
  messages: sql`message_id, direction, type, content, from_number, to_number, from_name, to_name,
    user_email, sent_at, last_event_at`,
  contacts: sql`contact_id, first_name, last_name, job_title, email, emails, numbers, company_id,
    company_name, case when custom = '{}'::jsonb then null else custom::text end as custom_properties, updated_at`,
};

/** How many rows the export will write (for the progress bar's ETA). */
export async function countExportRows(db: Db, entity: ExportEntity, range: ExportRange): Promise<number> {
  const spec = EXPORT_SPECS[entity];
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.table(spec.table)} where ${rangeFilter(spec.time, range)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Streams the rows of one read model in pages of `pageSize`, ordered by (time column, id) with
 * keyset pagination, so memory stays bounded by one page whatever the table's size and each page
 * is one index range scan. Rows whose time is null come last (ordered by id), and only when no
 * range is given. Each page is its own snapshot: rows changed during the export may appear in
 * their old or new state.
 */
export async function* readExportPages(
  db: Db,
  entity: ExportEntity,
  range: ExportRange,
  pageSize = 5_000,
): AsyncGenerator<ExportRow[]> {
  const spec = EXPORT_SPECS[entity];
  const table = sql.table(spec.table);
  const [time, id] = [sql.ref(spec.time), sql.ref(spec.id)];
  let after: { time: Date; id: string } | undefined;
  for (;;) {
    const keyset = after ? sql`and (${time}, ${id}) > (${after.time}, ${after.id})` : sql``;
    const { rows } = await sql<ExportRow>`
      select ${SELECT[entity]} from ${table}
      where ${rangeFilter(spec.time, range)} ${keyset}
      order by ${time}, ${id} limit ${pageSize}`.execute(db);
    if (rows.length === 0) break;
    yield await withTags(db, entity, rows);
    const last = rows.at(-1)!;
    after = { time: last[spec.time] as Date, id: last[spec.id] as string };
    if (rows.length < pageSize) break;
  }
  if (range.since !== undefined || range.until !== undefined) return;
  let afterId: string | undefined;
  for (;;) {
    const keyset = afterId === undefined ? sql`` : sql`and ${id} > ${afterId}`;
    const { rows } = await sql<ExportRow>`
      select ${SELECT[entity]} from ${table} where ${time} is null ${keyset}
      order by ${id} limit ${pageSize}`.execute(db);
    if (rows.length === 0) break;
    yield await withTags(db, entity, rows);
    afterId = rows.at(-1)![spec.id] as string;
    if (rows.length < pageSize) break;
  }
}

function rangeFilter(column: string, range: ExportRange): RawBuilder<unknown> {
  const ref = sql.ref(column);
  const since = range.since === undefined ? sql`` : sql`and ${ref} >= ${range.since}`;
  const until = range.until === undefined ? sql`` : sql`and ${ref} < ${range.until}`;
  return sql`${ref} is not null ${since} ${until}`;
}

/** Adds each call's present tags (sorted) to a page of calls; other entities pass through. */
async function withTags(db: Db, entity: ExportEntity, rows: ExportRow[]): Promise<ExportRow[]> {
  if (entity !== 'calls') return rows;
  const ids = rows.map((r) => r.call_id as string);
  const { rows: tagRows } = await sql<{ call_id: string; tags: string[] }>`
    select call_id, array_agg(tag order by tag) as tags from read_model.call_tags
    where present and call_id = any(${ids}::text[]) group by call_id`.execute(db);
  const tags = new Map(tagRows.map((r) => [r.call_id, r.tags]));
  return rows.map((row) => ({ ...row, tags: tags.get(row.call_id as string) ?? [] }));
}
