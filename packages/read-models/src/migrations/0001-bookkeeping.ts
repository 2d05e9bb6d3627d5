import { sql, type Kysely } from 'kysely';

/** The read_model schema and the projection bookkeeping tables (offsets, registry, dead letters). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createSchema('read_model').ifNotExists().execute();
  const schema = db.schema.withSchema('read_model');
  await schema
    .createTable('projections')
    .addColumn('projection', 'text', (col) => col.primaryKey())
    .addColumn('live_version', 'integer', (col) => col.notNull())
    .addColumn('epoch', 'bigint', (col) => col.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await schema
    .createTable('projection_offsets')
    .addColumn('projection', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('topic', 'text', (col) => col.notNull())
    .addColumn('partition', 'integer', (col) => col.notNull())
    .addColumn('next_offset', 'bigint', (col) => col.notNull())
    .addColumn('last_event_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('projection_offsets_pkey', ['projection', 'version', 'topic', 'partition'])
    .execute();
  await schema
    .createTable('dead_letters')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('projection', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('topic', 'text', (col) => col.notNull())
    .addColumn('partition', 'integer', (col) => col.notNull())
    .addColumn('kafka_offset', 'bigint', (col) => col.notNull())
    .addColumn('webhook_id', 'text')
    .addColumn('error', 'text', (col) => col.notNull())
    .addColumn('raw_key', 'bytea')
    .addColumn('raw_value', 'bytea')
    .addColumn('headers', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('replayed_at', 'timestamptz')
    .addUniqueConstraint('dead_letters_position_key', [
      'projection',
      'version',
      'topic',
      'partition',
      'kafka_offset',
    ])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropSchema('read_model').ifExists().cascade().execute();
}
