/**
 * The destination tables: one per configured stream, in the configured schema, named like the stream.
 *
 *   "<schema>"."<stream>" (
 *     <primary key columns> text not null,   -- one per key path, path joined with "_"
 *     <typed columns>,                        -- one per top-level property of the JSON schema (columns.ts)
 *     _raw_data  jsonb not null,             -- the record's data, unchanged
 *     _synced_at timestamptz not null,       -- when the record was committed
 *     _deleted   boolean not null,           -- a soft-deleted record (see merge.ts)
 *     primary key (<primary key columns>)    -- append_dedup and overwrite only
 *   )
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream } from '@sync/protocol';
import { ConfigError } from '@sync/connector-kit';
import { planColumns, type TypedColumn } from './columns.ts';
import { assertSafeIdentifier, MAX_IDENTIFIER_BYTES, quoteIdent } from './identifiers.ts';

/** Columns every table has besides its key and typed columns. */
export const RAW_DATA_COLUMN = '_raw_data';
export const SYNCED_AT_COLUMN = '_synced_at';
export const DELETED_COLUMN = '_deleted';
const METADATA_COLUMNS = [RAW_DATA_COLUMN, SYNCED_AT_COLUMN, DELETED_COLUMN];

/** Prefix of the tables this destination owns in the schema; no stream may use it. */
export const INTERNAL_PREFIX = '_sync_';

/** Prefix of overwrite shadow tables (see `StreamTable.shadowName`). */
export const SHADOW_PREFIX = `${INTERNAL_PREFIX}shadow_`;

/** A fresh write id: 8 hex characters, which keeps shadow names at 34 bytes, far below the 63-byte limit. */
export function newWriteId(): string {
  return randomBytes(4).toString('hex');
}

/** How a stream is written (Airbyte `destination_sync_mode`); `update` is not supported. */
export type WriteMode = 'append' | 'append_dedup' | 'overwrite';

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
  schema: string;
  /** Quoted, schema-qualified table name: `"stripe"."customers"`. */
  qualifiedName: string;
  /**
   * Overwrite only: the quoted name of the shadow table loaded during the sync and swapped in at the
   * end, unique to this write: `"<schema>"."_sync_shadow_<sha1 of the stream, 12 hex>_<write id>"`.
   */
  shadowName: string;
  mode: WriteMode;
  /** Configured `generation_id` (0 when absent): part of what identifies a replayed batch. */
  generation: number;
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
  /** Typed columns, planned from the JSON schema; schema evolution may widen their types. */
  columns: TypedColumn[];
}

/** The quoted table a write loads a stream into: its shadow table in overwrite mode, else its table. */
export function writeTarget(table: StreamTable): string {
  return table.mode === 'overwrite' ? table.shadowName : table.qualifiedName;
}

/** True when the table's rows are unique by primary key (upserted), false when appended. */
export function isDeduplicated(table: StreamTable): boolean {
  return table.primaryKey.length > 0 && table.mode !== 'append';
}

/**
 * Plans the table of every configured stream. `writeId` (default: a fresh one) makes this write's
 * shadow table names its own, so that two overwrites of one stream never share a shadow table.
 *
 * @returns stream name → table plan, in catalog order.
 * @throws ConfigError when the schema or a stream name is not a plain identifier or starts with
 *   `_sync_`, when two streams share a name, when append_dedup has no primary key, for the
 *   unsupported `update` mode, or when a primary key column name is unusable.
 */
export function planTables(catalog: ConfiguredAirbyteCatalog, schema: string, writeId = newWriteId()): Map<string, StreamTable> {
  assertSafeIdentifier(schema, 'schema');
  const tables = new Map<string, StreamTable>();
  for (const configured of catalog.streams) {
    const stream = configured.stream.name;
    assertSafeIdentifier(stream, 'stream');
    if (stream.startsWith(INTERNAL_PREFIX)) {
      throw new ConfigError(`stream name '${stream}' starts with ${INTERNAL_PREFIX}, which this destination keeps for its own tables; rename the stream`, { stream });
    }
    if (tables.has(stream)) {
      throw new ConfigError(`the configured catalog lists stream '${stream}' twice; each stream is written to its own table`, { stream });
    }
    const mode = writeMode(configured);
    const primaryKey = keyColumns(configured);
    if (mode === 'append_dedup' && primaryKey.length === 0) {
      throw new ConfigError(`stream '${stream}' is append_dedup but has no primary key; set primary_key in the configured catalog or use append`, { stream });
    }
    const skip = primaryKey.filter((k) => k.path.length === 1 && k.path[0] === k.column).map((k) => k.column);
    const shadow = `${SHADOW_PREFIX}${createHash('sha1').update(stream).digest('hex').slice(0, 12)}_${writeId}`;
    tables.set(stream, {
      stream,
      schema,
      qualifiedName: `${quoteIdent(schema)}.${quoteIdent(stream)}`,
      shadowName: `${quoteIdent(schema)}.${quoteIdent(shadow)}`,
      mode,
      generation: configured.generation_id ?? 0,
      primaryKey,
      cursorPath: cursorPath(configured),
      columns: planColumns(configured.stream.json_schema, [...primaryKey.map((k) => k.column), ...METADATA_COLUMNS], skip),
    });
  }
  return tables;
}

function writeMode(configured: ConfiguredAirbyteStream): WriteMode {
  const mode = configured.destination_sync_mode;
  if (mode === 'update') {
    throw new ConfigError(
      `stream '${configured.stream.name}': destination_sync_mode 'update' is not supported; use append, append_dedup or overwrite`,
      { stream: configured.stream.name },
    );
  }
  return mode;
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
          : METADATA_COLUMNS.includes(column)
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

/**
 * DDL creating the table of `table` (or its shadow table, `name`) if it does not exist yet. Appended
 * streams get no primary key constraint, so that they can hold several versions of a record.
 */
export function createTableSql(table: StreamTable, name = table.qualifiedName): string {
  const columns = [
    ...table.primaryKey.map((k) => `${quoteIdent(k.column)} text not null`),
    ...table.columns.map((c) => `${quoteIdent(c.column)} ${c.type}`),
    `${quoteIdent(RAW_DATA_COLUMN)} jsonb not null`,
    `${quoteIdent(SYNCED_AT_COLUMN)} timestamptz not null default now()`,
    `${quoteIdent(DELETED_COLUMN)} boolean not null default false`,
  ];
  if (isDeduplicated(table)) columns.push(`primary key (${table.primaryKey.map((k) => quoteIdent(k.column)).join(', ')})`);
  return `create table if not exists ${name} (${columns.join(', ')})`;
}
