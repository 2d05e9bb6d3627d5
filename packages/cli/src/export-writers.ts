import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  Bool,
  Field,
  Int32,
  List,
  Schema,
  Table,
  tableToIPC,
  TimeUnit,
  Timestamp,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { stringify } from 'csv-stringify';
import * as parquet from 'parquet-wasm';
import type { ColumnType, ExportColumn, ExportFormat, ExportRow, ExportValue } from './export-columns.js';

/**
 * Writes pages of rows to `path` in `format`, consuming one page at a time (the writer waits for
 * the file to drain), so memory is bounded by a page plus, for Parquet, one row group.
 * - csv: RFC 4180: a header row, CRLF line ends, fields with a quote, comma, CR or LF quoted and
 *   quotes doubled; UTF-8 without BOM; times ISO 8601 UTC, lists as JSON arrays, null as empty.
 * - jsonl: one JSON object per line, times ISO 8601 UTC, lists as arrays, null as null.
 * - parquet: typed columns (UTF8 strings, INT32, BOOLEAN, TIMESTAMP(MILLIS, UTC), LIST<UTF8>),
 *   zstd-compressed row groups of ROW_GROUP_SIZE rows, written by the Apache Arrow Rust writer.
 */
export async function writeExport(
  format: ExportFormat,
  path: string,
  columns: readonly ExportColumn[],
  pages: AsyncIterable<ExportRow[]>,
): Promise<void> {
  if (format === 'parquet') return writeParquet(path, columns, pages);
  const file = createWriteStream(path);
  const out = format === 'csv' ? csvStream(columns, file) : file;
  for await (const page of pages) {
    for (const row of page) {
      const chunk =
        format === 'csv' ? columns.map((c) => csvField(c.type, row[c.name] ?? null)) : jsonLine(row);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end();
  await finished(file);
}

function csvStream(columns: readonly ExportColumn[], file: NodeJS.WritableStream) {
  const csv = stringify({ header: true, columns: columns.map((c) => c.name), record_delimiter: 'windows' });
  csv.pipe(file);
  return csv;
}

function csvField(type: ColumnType, value: ExportValue): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return JSON.stringify(value);
  if (type === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

function jsonLine(row: ExportRow): string {
  return `${JSON.stringify(row)}\n`;
}

/** Rows per Parquet row group: what the writer holds in memory before flushing to the file. */
export const ROW_GROUP_SIZE = 50_000;

const ARROW_TYPES: Record<ColumnType, () => DataType> = {
  string: () => new Utf8(),
  timestamp: () => new Timestamp(TimeUnit.MILLISECOND, 'UTC'),
  int: () => new Int32(),
  boolean: () => new Bool(),
  'string-list': () => new List(new Field('item', new Utf8(), true)),
};

async function writeParquet(
  path: string,
  columns: readonly ExportColumn[],
  pages: AsyncIterable<ExportRow[]>,
): Promise<void> {
  const schema = new Schema(columns.map((c) => new Field(c.name, ARROW_TYPES[c.type](), true)));
  const properties = new parquet.WriterPropertiesBuilder()
    .setMaxRowGroupSize(ROW_GROUP_SIZE)
    .setCompression(parquet.Compression.ZSTD)
    .setCreatedBy('allo-pipeline export')
    .build();
  async function* batches() {
    for await (const page of pages) {
      const vectors = Object.fromEntries(
        schema.fields.map((field) => [
          field.name,
          vectorFromArray(
            page.map((row) => arrowValue(row[field.name])),
            field.type,
          ),
        ]),
      );
      // Arrow JS builds the batch; its IPC bytes hand it to the Rust writer inside the wasm module.
      const table = parquet.Table.fromIPCStream(tableToIPC(new Table(schema, vectors), 'stream'));
      yield* table.recordBatches();
    }
  }
  const bytes = await parquet.transformParquetStream(ReadableStream.from(batches()), properties);
  await bytes.pipeTo(Writable.toWeb(createWriteStream(path)) as WritableStream<Uint8Array>);
}

// Arrow's timestamp builder takes epoch milliseconds.
function arrowValue(value: ExportValue | undefined): unknown {
  if (value === undefined) return null;
  return value instanceof Date ? value.getTime() : value;
}
