import { sql, type Kysely } from 'kysely';

/**
 * Ties stored positions to the log they were read from (see projection-runtime's
 * position-protocol.ts): the Kafka cluster id and a fingerprint of the last applied record per
 * partition; per-generation facts (a rebuild from a truncated log is partial); and the faults a
 * projector reports instead of consuming (a log that cannot be continued).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table read_model.projection_offsets
    add column cluster_id text,
    add column anchor text`.execute(db);
  const schema = db.schema.withSchema('read_model');
  await schema
    .createTable('generations')
    .addColumn('projection', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('partial_reason', 'text')
    .addColumn('start_offsets', 'jsonb')
    .addPrimaryKeyConstraint('generations_pkey', ['projection', 'version'])
    .execute();
  await schema
    .createTable('projection_faults')
    .addColumn('projection', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('epoch', 'bigint', (col) => col.notNull())
    .addColumn('message', 'text', (col) => col.notNull())
    .addColumn('fix', 'text', (col) => col.notNull())
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('since', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('projection_faults_pkey', ['projection', 'version', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema('read_model').dropTable('projection_faults').ifExists().execute();
  await db.schema.withSchema('read_model').dropTable('generations').ifExists().execute();
  await sql`alter table read_model.projection_offsets drop column cluster_id, drop column anchor`.execute(db);
}
