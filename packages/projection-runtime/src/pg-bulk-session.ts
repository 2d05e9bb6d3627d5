import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine, type BulkSession, type CopyColumn, type CopySink } from '@allo-pipeline/projections';
import {
  createProjectionTables,
  generationSchema,
  type ProjectionName,
  type ReadModelDatabase,
} from '@allo-pipeline/read-models';

// The BulkSession of a rebuild: a small pg pool on the generation's schema, COPY through
// pg-copy-streams, server-side cursors for ordered reads, and the generation's indexes and
// primary keys dropped for the load and built afterwards.
//
// Invariants
// 1. The index and primary-key definitions come from the generation DDL itself
//    (createProjectionTables in a transaction that is rolled back), never from what the tables
//    hold now: a load interrupted with its indexes dropped is repaired by the next one.
// 2. `close` leaves every index of the DDL in place (restoreAll), whatever happened before.
// 3. Only this session writes the generation's tables while it is open (a new generation, or
//    the live one while its projectors are held at the projector gate).

/** Session settings for the load: big sorts in memory, index builds with room. */
const SESSION_SETTINGS = [
  `set work_mem = '128MB'`,
  `set maintenance_work_mem = '256MB'`,
  // The positions commit later on another connection with a synchronous commit, which flushes this WAL too.
  `set synchronous_commit = off`,
];

/** Characters of COPY text gathered before a write to the stream. */
const COPY_CHUNK_CHARS = 256 * 1024;

interface IndexDefinition {
  readonly table: string;
  /** The statement that builds it in the target schema. */
  readonly create: string;
  readonly name: string;
  readonly constraint: boolean;
}

/** A COPY that Postgres refused or that broke off: not attributable to one row. */
export class CopyFailedError extends Error {
  constructor(
    readonly table: string,
    cause: unknown,
  ) {
    super(`COPY into ${table} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CopyFailedError';
  }
}

class RollbackTemplate extends Error {
  constructor(readonly definitions: IndexDefinition[]) {
    super('template rolled back');
  }
}

export class PgBulkSession implements BulkSession {
  readonly schema: string;
  private readonly pool: pg.Pool;
  private restored = new Set<string>();

  private constructor(
    private readonly rawSchema: string,
    databaseUrl: string,
    private readonly definitions: readonly IndexDefinition[],
  ) {
    this.schema = `"${rawSchema}"`;
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // A connection that breaks outside a query: the next query on it fails and says why.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
  }

  /**
   * Opens a session on one generation and drops its indexes and primary keys (its tables must
   * be empty: a new generation, or a truncated one).
   */
  static async open(
    db: Kysely<ReadModelDatabase>,
    databaseUrl: string,
    projection: ProjectionName,
    version: number,
  ): Promise<PgBulkSession> {
    const schema = generationSchema(projection, version);
    const session = new PgBulkSession(schema, databaseUrl, await indexDefinitions(db, projection, schema));
    await session.dropIndexes();
    return session;
  }

  async run(statement: string): Promise<void> {
    await this.withClient((client) => client.query(statement));
  }

  copyInto(table: string, columns: readonly CopyColumn[]): CopySink {
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const opened = this.pool.connect().then(async (client) => {
      for (const setting of SESSION_SETTINGS) await client.query(setting);
      const stream = client.query(copyFrom(`copy ${this.schema}."${table}" (${names}) from stdin`));
      const done = finished(stream).finally(() => client.release());
      // Observed by end(); a failure before then surfaces on the next write or on end().
      done.catch(() => undefined);
      return { stream, done };
    });
    opened.catch(() => undefined);
    let pending = '';
    const failed = (error: unknown) => new CopyFailedError(table, error);
    const flush = async () => {
      if (pending.length === 0) return;
      const { stream } = await opened.catch((error: unknown) => Promise.reject(failed(error)));
      const chunk = pending;
      pending = '';
      if (!stream.write(chunk))
        await once(stream, 'drain').catch((error: unknown) => Promise.reject(failed(error)));
    };
    return {
      write: async (values) => {
        pending += copyLine(columns, values);
        if (pending.length >= COPY_CHUNK_CHARS) await flush();
      },
      end: async () => {
        await flush();
        const { stream, done } = await opened.catch((error: unknown) => Promise.reject(failed(error)));
        stream.end();
        await done.catch((error: unknown) => Promise.reject(failed(error)));
      },
    };
  }

  async eachChunk<Row>(
    query: string,
    chunkSize: number,
    onChunk: (rows: Row[]) => Promise<void>,
  ): Promise<void> {
    await this.withClient(async (client) => {
      await client.query('begin');
      try {
        await client.query(`declare bulk_cursor no scroll cursor for ${query}`);
        for (;;) {
          const { rows } = await client.query<Row & pg.QueryResultRow>(`fetch ${chunkSize} from bulk_cursor`);
          if (rows.length === 0) break;
          await onChunk(rows);
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      }
    });
  }

  async restoreIndexes(table: string, only: (definition: string) => boolean = () => true): Promise<void> {
    const todo = this.definitions.filter(
      (d) => d.table === table && !this.restored.has(d.name) && only(d.create),
    );
    // Primary keys first (one statement each), then the other indexes side by side.
    for (const d of todo.filter((d) => d.constraint)) await this.build(d);
    await Promise.all(todo.filter((d) => !d.constraint).map((d) => this.build(d)));
  }

  /** Builds every index and primary key not built yet (invariant 2). */
  async restoreAll(): Promise<void> {
    for (const table of new Set(this.definitions.map((d) => d.table))) await this.restoreIndexes(table);
  }

  /** Empties the generation's tables (a load abandoned for the live path to redo). */
  async truncateAll(): Promise<void> {
    const tables = [...new Set(this.definitions.map((d) => d.table))];
    const { rows } = await this.withClient((client) =>
      client.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`,
        [this.rawSchema],
      ),
    );
    const all = [...new Set([...tables, ...rows.map((r) => r.table_name)])];
    if (all.length > 0) await this.run(`truncate ${all.map((t) => `${this.schema}."${t}"`).join(', ')}`);
  }

  async close(): Promise<void> {
    try {
      await this.restoreAll();
    } finally {
      await this.pool.end();
    }
  }

  private async build(definition: IndexDefinition): Promise<void> {
    await this.run(definition.create);
    this.restored.add(definition.name);
  }

  private async dropIndexes(): Promise<void> {
    const { rows } = await this.withClient((client) =>
      client.query<{ table_name: string; index_name: string; constraint_name: string | null }>(
        `select t.relname as table_name, i.relname as index_name, c.conname as constraint_name
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
         join pg_namespace n on n.oid = t.relnamespace
         left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = t.oid
         where n.nspname = $1`,
        [this.rawSchema],
      ),
    );
    for (const row of rows) {
      await this.run(
        row.constraint_name === null
          ? `drop index ${this.schema}."${row.index_name}"`
          : `alter table ${this.schema}."${row.table_name}" drop constraint "${row.constraint_name}"`,
      );
    }
  }

  private async withClient<T>(use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      for (const setting of SESSION_SETTINGS) await client.query(setting);
      return await use(client);
    } finally {
      client.release();
    }
  }
}

/** The generation DDL's indexes and primary keys, as statements for `schema` (invariant 1). */
async function indexDefinitions(
  db: Kysely<ReadModelDatabase>,
  projection: ProjectionName,
  schema: string,
): Promise<IndexDefinition[]> {
  const template = `${schema}_bulk_template`;
  try {
    await db.transaction().execute(async (trx) => {
      await sql`create schema ${sql.id(template)}`.execute(trx);
      await createProjectionTables(trx as unknown as Kysely<unknown>, projection, template);
      const { rows } = await sql<{
        table_name: string;
        index_name: string;
        index_def: string;
        constraint_def: string | null;
        constraint_name: string | null;
      }>`
        select t.relname as table_name, i.relname as index_name, pg_get_indexdef(x.indexrelid) as index_def,
               pg_get_constraintdef(c.oid) as constraint_def, c.conname as constraint_name
        from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = t.oid
        where n.nspname = ${template} order by t.relname, i.relname`.execute(trx);
      throw new RollbackTemplate(
        rows.map((r) => ({
          table: r.table_name,
          name: r.index_name,
          constraint: r.constraint_name !== null,
          create:
            r.constraint_name !== null
              ? `alter table "${schema}"."${r.table_name}" add constraint "${r.constraint_name}" ${r.constraint_def}`
              : r.index_def.replace(` ON ${template}.`, ` ON "${schema}".`),
        })),
      );
    });
  } catch (error) {
    if (error instanceof RollbackTemplate) return error.definitions;
    throw error;
  }
  throw new Error('unreachable: the template transaction always rolls back');
}
