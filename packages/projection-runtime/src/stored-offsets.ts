import type { Admin } from 'kafkajs';
import type { Kysely } from 'kysely';
import type { ProjectionName, ReadModelDatabase } from '@allo-pipeline/read-models';

/** One partition's stored position (read_model.projection_offsets). */
export interface StoredOffset {
  readonly partition: number;
  readonly nextOffset: string;
  readonly lastEventAt: Date | null;
}

/** Where a generation starts reading: the log start, the log end, or the first record at/after a time. */
export type OffsetStart = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'timestamp'; at: Date };

/** The log bounds of one partition: `low` is the first offset still stored, `high` the next to be written. */
export interface Watermarks {
  readonly low: string;
  readonly high: string;
}

/** Parses `earliest`, `latest` or an ISO 8601 time; returns undefined for anything else. */
export function parseOffsetStart(text: string): OffsetStart | undefined {
  if (text === 'earliest' || text === 'latest') return { kind: text };
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : { kind: 'timestamp', at };
}

/** The stored offsets of one generation of a projection on one topic, by partition. */
export async function readStoredOffsets(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  version: number,
  topic: string,
): Promise<Map<number, StoredOffset>> {
  const rows = await db
    .selectFrom('read_model.projection_offsets')
    .select(['partition', 'next_offset', 'last_event_at'])
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('topic', '=', topic)
    .execute();
  return new Map(
    rows.map((row) => [
      row.partition,
      { partition: row.partition, nextOffset: String(row.next_offset), lastEventAt: row.last_event_at },
    ]),
  );
}

/** Low and high watermarks of every partition of `topic`. */
export async function fetchWatermarks(admin: Admin, topic: string): Promise<Map<number, Watermarks>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
}

/** The offset each partition should start from for `start` (kafkajs admin; -1 = no such record → log end). */
export async function resolveStartOffsets(
  admin: Admin,
  topic: string,
  start: OffsetStart,
): Promise<Map<number, string>> {
  const watermarks = await fetchWatermarks(admin, topic);
  if (start.kind !== 'timestamp') {
    return new Map([...watermarks].map(([p, w]) => [p, start.kind === 'earliest' ? w.low : w.high]));
  }
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, start.at.getTime());
  return new Map(
    byTime.map(({ partition, offset }) => [
      partition,
      offset === '-1' ? (watermarks.get(partition)?.high ?? '0') : offset,
    ]),
  );
}

/**
 * Replaces the stored offsets of one generation with `offsets` (one row per partition). Runs in
 * the caller's transaction so that a reset and its epoch bump commit together.
 */
export async function writeStoredOffsets(
  trx: Kysely<ReadModelDatabase>,
  target: { projection: ProjectionName; version: number; topic: string },
  offsets: ReadonlyMap<number, string>,
): Promise<void> {
  await trx
    .deleteFrom('read_model.projection_offsets')
    .where('projection', '=', target.projection)
    .where('version', '=', target.version)
    .where('topic', '=', target.topic)
    .execute();
  if (offsets.size === 0) return;
  const now = new Date();
  await trx
    .insertInto('read_model.projection_offsets')
    .values(
      [...offsets].map(([partition, nextOffset]) => ({
        ...target,
        partition,
        next_offset: nextOffset,
        last_event_at: null,
        updated_at: now,
      })),
    )
    .execute();
}

/**
 * Seeds the stored offsets of one generation from `start` (replacing any) and returns them. The
 * timestamp form uses Kafka record timestamps (the gateway's produce time, close to receivedAt).
 */
export async function seedGenerationOffsets(
  db: Kysely<ReadModelDatabase>,
  admin: Admin,
  target: { projection: ProjectionName; version: number; topic: string },
  start: OffsetStart,
): Promise<Map<number, string>> {
  const offsets = await resolveStartOffsets(admin, target.topic, start);
  await db.transaction().execute((trx) => writeStoredOffsets(trx, target, offsets));
  return offsets;
}
