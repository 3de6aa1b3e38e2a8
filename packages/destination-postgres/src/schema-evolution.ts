/**
 * Preparing the destination schema before a write: creating what is missing and evolving what exists.
 *
 * Evolution rule (never loses data):
 * - a property new in the JSON schema adds a nullable column (older rows hold NULL there; their
 *   value, if any, is in `_raw_data`);
 * - a property whose type changed keeps its column, widened to a type that holds both the old and the
 *   new values (`widen` in columns.ts: bigint ↔ numeric → numeric, anything else → jsonb, converting
 *   stored values with `to_jsonb`); a column is never narrowed or dropped;
 * - a property gone from the schema keeps its column (NULL in new rows);
 * - a change of primary key or between appended and deduplicated tables is refused (config_error):
 *   it cannot be done without rewriting the table.
 */
import type pg from 'pg';
import { ConfigError } from '@sync/connector-kit';
import { columnTypeOfSql, widen } from './columns.ts';
import { quoteIdent } from './identifiers.ts';
import { CHECKPOINTS_TABLE_SQL } from './checkpoints.ts';
import { markDeleteRule, repairDeleteFlags } from './delete-flags.ts';
import { createTableSql, DELETED_COLUMN, isDeduplicated, SHADOW_PREFIX, type StreamTable } from './tables.ts';

/**
 * Creates the schema, the checkpoint table and every stream table that does not exist yet, evolves
 * the existing ones, drops every shadow table left in the schema by an earlier write (crashed, killed,
 * or failed before its swap), and creates this write's own empty shadow table for each overwrite
 * stream. Repairs the `_deleted` flags of tables written under an older delete rule, once
 * (delete-flags.ts; with `hardDelete`, deduplicated tables lose those rows instead). One transaction;
 * a unique violation from a concurrent session racing on `if not exists` is retried once. Mutates
 * `table.columns` when a column was widened.
 *
 * Call it only while holding the schema lock (schema-lock.ts): then no live writer owns a shadow
 * table of this schema, so every one found is a leftover.
 *
 * @throws ConfigError when an existing table's primary key does not match the catalog.
 */
export async function prepareTables(client: pg.Client, schema: string, tables: Iterable<StreamTable>, options: { hardDelete?: boolean } = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query('begin');
      await client.query(`create schema if not exists ${quoteIdent(schema)}`);
      await client.query(CHECKPOINTS_TABLE_SQL(schema));
      await dropLeftoverShadows(client, schema);
      for (const table of tables) {
        if (table.mode === 'overwrite') {
          await client.query(createTableSql(table, table.shadowName));
          await markDeleteRule(client, table.shadowName);
        } else {
          await client.query(createTableSql(table));
          await evolve(client, table);
          await repairDeleteFlags(client, table, options.hardDelete ?? false);
        }
      }
      await client.query('commit');
      return;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      if (attempt >= 2 || (error as { code?: string }).code !== '23505') throw error;
    }
  }
}

/** Drops every table of `schema` named like a shadow table (`_sync_shadow_…`, of any stream or write). */
async function dropLeftoverShadows(client: pg.Client, schema: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    'select tablename as name from pg_tables where schemaname = $1 and left(tablename, length($2)) = $2',
    [schema, SHADOW_PREFIX],
  );
  for (const { name } of rows) await client.query(`drop table if exists ${quoteIdent(schema)}.${quoteIdent(name)}`);
}

async function evolve(client: pg.Client, table: StreamTable): Promise<void> {
  const { rows } = await client.query<{ name: string; type: string; key: boolean }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            coalesce(a.attnum = any(c.conkey), false) as key
       from pg_attribute a
       left join pg_constraint c on c.conrelid = a.attrelid and c.contype = 'p'
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`,
    [table.qualifiedName],
  );
  const existing = new Map(rows.map((r) => [r.name, r]));
  const storedKey = rows.filter((r) => r.key).map((r) => r.name);
  const plannedKey = isDeduplicated(table) ? table.primaryKey.map((k) => k.column) : [];
  if (storedKey.join(',') !== plannedKey.join(',')) {
    const describe = (key: string[]) => (key.length > 0 ? `primary key (${key.join(', ')})` : 'no primary key');
    throw new ConfigError(
      `table ${table.qualifiedName} has ${describe(storedKey)} but stream '${table.stream}' in ${table.mode} mode needs ${describe(plannedKey)}; ` +
        'use the sync mode the table was created with, or drop the table (or run a full refresh in overwrite mode) to rebuild it',
      { stream: table.stream },
    );
  }
  for (const key of table.primaryKey) {
    if (!existing.has(key.column)) {
      throw new ConfigError(`table ${table.qualifiedName} has no key column ${key.column}; drop the table to rebuild it`, { stream: table.stream });
    }
  }
  if (!existing.has(DELETED_COLUMN)) {
    await client.query(`alter table ${table.qualifiedName} add column ${quoteIdent(DELETED_COLUMN)} boolean not null default false`);
  }
  for (const column of table.columns) {
    const stored = existing.get(column.column);
    if (!stored) {
      await client.query(`alter table ${table.qualifiedName} add column ${quoteIdent(column.column)} ${column.type}`);
      continue;
    }
    const storedType = columnTypeOfSql(stored.type) ?? 'jsonb';
    const type = widen(storedType, column.type);
    if (type !== stored.type && !(type === 'timestamptz' && stored.type === 'timestamp with time zone')) {
      const using = type === 'jsonb' ? `to_jsonb(${quoteIdent(column.column)})` : `${quoteIdent(column.column)}::${type}`;
      await client.query(`alter table ${table.qualifiedName} alter column ${quoteIdent(column.column)} type ${type} using ${using}`);
    }
    column.type = type;
  }
}
