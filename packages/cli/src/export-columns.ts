/** What `export` can write: one read model each. */
export const EXPORT_ENTITIES = ['calls', 'messages', 'contacts'] as const;
export type ExportEntity = (typeof EXPORT_ENTITIES)[number];

export const EXPORT_FORMATS = ['parquet', 'csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A column's type in every format (Parquet logical type, CSV/JSON text form). */
export type ColumnType = 'string' | 'timestamp' | 'int' | 'boolean' | 'string-list';

export interface ExportColumn {
  readonly name: string;
  readonly type: ColumnType;
}

export type ExportValue = string | number | boolean | Date | string[] | null;
export type ExportRow = Record<string, ExportValue>;

const text = (name: string): ExportColumn => ({ name, type: 'string' });
const time = (name: string): ExportColumn => ({ name, type: 'timestamp' });

/**
 * The columns of each export, in file order: the read model's typed columns (its `data` and
 * transcript JSON are left out; the raw log keeps them). `time` is the column --since/--until
 * filter on and rows are ordered by (with the id as a tie-break).
 */
export const EXPORT_SPECS: Readonly<
  Record<ExportEntity, { table: string; id: string; time: string; columns: readonly ExportColumn[] }>
> = {
  calls: {
    table: 'read_model.calls',
    id: 'call_id',
    time: 'started_at',
    columns: [
      text('call_id'),
      text('direction'),
      text('status'),
      text('result'),
      text('from_number'),
      text('to_number'),
      text('from_name'),
      text('to_name'),
      text('user_email'),
      text('contact_id'),
      time('started_at'),
      { name: 'duration_seconds', type: 'int' },
      text('summary'),
      text('recording_url'),
      { name: 'has_transcript', type: 'boolean' },
      { name: 'tags', type: 'string-list' },
      time('first_event_at'),
      time('last_event_at'),
    ],
  },
  messages: {
    table: 'read_model.messages',
    id: 'message_id',
    time: 'sent_at',
    columns: [
      text('message_id'),
      text('direction'),
      text('type'),
      text('content'),
      text('from_number'),
      text('to_number'),
      text('from_name'),
      text('to_name'),
      text('user_email'),
      time('sent_at'),
      time('last_event_at'),
    ],
  },
  contacts: {
    table: 'read_model.contacts',
    id: 'contact_id',
    time: 'updated_at',
    columns: [
      text('contact_id'),
      text('first_name'),
      text('last_name'),
      text('job_title'),
      text('email'),
      { name: 'emails', type: 'string-list' },
      { name: 'numbers', type: 'string-list' },
      text('company_id'),
      text('company_name'),
      { name: 'custom_properties', type: 'string' },
      time('updated_at'),
    ],
  },
};
