/**
 * The destination tables: one per configured stream, in the configured schema, named like the stream.
 *
 *   "<schema>"."<stream>" (
 *     <primary key columns> text not null,   -- one per key path, path joined with "_"
 *     _raw_data  jsonb not null,             -- the record's data, unchanged
 *     _synced_at timestamptz not null,       -- when the record was committed
 *     primary key (<primary key columns>)
 *   )
 *
 * A stream without a primary key gets no key columns, and its records are appended.
 */
import type pg from 'pg';
import { ConfigError, type ConfiguredAirbyteCatalog, type ConfiguredAirbyteStream } from '@sync/protocol';
import { assertSafeIdentifier, MAX_IDENTIFIER_BYTES, quoteIdent } from './identifiers.ts';

/** Columns every table has besides its primary key columns. */
export const RAW_DATA_COLUMN = '_raw_data';
export const SYNCED_AT_COLUMN = '_synced_at';

export interface KeyColumn {
  /** Column name: the key path joined with `_`, e.g. `customer_id` for `["customer", "id"]`. */
  column: string;
  /** Path of the key in a record's data, e.g. `["customer", "id"]`. */
  path: readonly string[];
}

/** How one configured stream is written. */
export interface StreamTable {
  /** Stream name, which is also the table name. */
  stream: string;
  /** Quoted, schema-qualified table name: `"stripe"."customers"`. */
  qualifiedName: string;
  /**
   * Primary key: the configured `primary_key`, else the stream's `source_defined_primary_key`.
   * Empty when the stream has none: records are then appended.
   */
  primaryKey: readonly KeyColumn[];
  /**
   * Cursor path (configured `cursor_field`, else the stream's `default_cursor_field`): when set, an
   * upsert only replaces a stored record whose cursor value is lower or equal (newer wins).
   */
  cursorPath: readonly string[] | undefined;
}

/**
 * Plans the table of every configured stream.
 *
 * @returns stream name → table plan, in catalog order.
 * @throws ConfigError when the schema or a stream name is not a plain identifier, when two streams
 *   share a name, or when a primary key column name is unusable (too long, empty, or clashing with
 *   `_raw_data`/`_synced_at` or another key column).
 */
export function planTables(catalog: ConfiguredAirbyteCatalog, schema: string): Map<string, StreamTable> {
  assertSafeIdentifier(schema, 'schema');
  const tables = new Map<string, StreamTable>();
  for (const configured of catalog.streams) {
    const stream = configured.stream.name;
    assertSafeIdentifier(stream, 'stream');
    if (tables.has(stream)) {
      throw new ConfigError(`the configured catalog lists stream '${stream}' twice; each stream is written to its own table`, { stream });
    }
    tables.set(stream, {
      stream,
      qualifiedName: `${quoteIdent(schema)}.${quoteIdent(stream)}`,
      primaryKey: keyColumns(configured),
      cursorPath: cursorPath(configured),
    });
  }
  return tables;
}

function keyColumns(configured: ConfiguredAirbyteStream): KeyColumn[] {
  const stream = configured.stream.name;
  const paths = configured.primary_key?.length ? configured.primary_key : (configured.stream.source_defined_primary_key ?? []);
  const columns: KeyColumn[] = [];
  for (const path of paths) {
    const column = path.join('_');
    const problem =
      path.length === 0 || column === ''
        ? 'is empty'
        : Buffer.byteLength(column) > MAX_IDENTIFIER_BYTES
          ? `is longer than ${MAX_IDENTIFIER_BYTES} bytes`
          : column === RAW_DATA_COLUMN || column === SYNCED_AT_COLUMN
            ? 'clashes with a column the destination adds'
            : columns.some((c) => c.column === column)
              ? 'appears twice'
              : undefined;
    if (problem) {
      throw new ConfigError(
        `stream '${stream}': primary key column ${JSON.stringify(column)} (path ${JSON.stringify(path)}) ${problem}; fix primary_key in the configured catalog`,
        { stream },
      );
    }
    columns.push({ column, path });
  }
  return columns;
}

function cursorPath(configured: ConfiguredAirbyteStream): readonly string[] | undefined {
  const path = configured.cursor_field?.length ? configured.cursor_field : configured.stream.default_cursor_field;
  return path && path.length > 0 ? path : undefined;
}

/** DDL creating the table of `table` if it does not exist yet (idempotent). */
export function createTableSql(table: StreamTable): string {
  const keys = table.primaryKey.map((k) => `${quoteIdent(k.column)} text not null`);
  const columns = [
    ...keys,
    `${quoteIdent(RAW_DATA_COLUMN)} jsonb not null`,
    `${quoteIdent(SYNCED_AT_COLUMN)} timestamptz not null default now()`,
  ];
  if (table.primaryKey.length > 0) {
    columns.push(`primary key (${table.primaryKey.map((k) => quoteIdent(k.column)).join(', ')})`);
  }
  return `create table if not exists ${table.qualifiedName} (${columns.join(', ')})`;
}

/**
 * Creates the schema and every table that does not exist yet, in one transaction. Concurrent
 * writers may race on `if not exists`; a unique violation from such a race is retried once.
 */
export async function createTables(client: pg.Client, schema: string, tables: Iterable<StreamTable>): Promise<void> {
  const statements = [`create schema if not exists ${quoteIdent(schema)}`, ...[...tables].map(createTableSql)];
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query('begin');
      for (const sql of statements) await client.query(sql);
      await client.query('commit');
      return;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      if (attempt >= 2 || (error as { code?: string }).code !== '23505') throw error;
    }
  }
}
