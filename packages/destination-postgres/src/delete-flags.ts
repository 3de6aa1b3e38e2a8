/**
 * The `_deleted` column of tables written before this destination used @sync/protocol's delete rule
 * (`isDeletedRecord`): it missed `"_deleted": true`, which our sources send (the Stripe source for
 * every deleted object), so those rows were stored with `_deleted = false` and survived `hard_delete`.
 *
 * Each table records the rule its `_deleted` column follows in the column's comment (visible with
 * `\d+`). A table whose comment is not the current rule is repaired once, in the transaction that
 * prepares the write, by the same rule in SQL (`isDeletedRecordSql` over `_raw_data`): its rows whose
 * data says deleted are flagged, or, for a deduplicated table with `hard_delete`, removed. Then the
 * comment is set, so later writes skip the scan.
 */
import type pg from 'pg';
import { isDeletedRecordSql } from '@sync/protocol';
import { quoteIdent, quoteLiteral } from './identifiers.ts';
import { DELETED_COLUMN, isDeduplicated, RAW_DATA_COLUMN, type StreamTable } from './tables.ts';

/** The comment on `_deleted` of a table that follows the current rule. */
export const DELETE_RULE_COMMENT = 'true when the record is a delete by isDeletedRecord of @sync/protocol: "_deleted": true, "deleted": true or a non-null _ab_cdc_deleted_at';

/** Records on `table` (quoted, qualified name) that its `_deleted` column follows the current rule. */
export async function markDeleteRule(client: pg.Client, table: string): Promise<void> {
  await client.query(`comment on column ${table}.${quoteIdent(DELETED_COLUMN)} is ${quoteLiteral(DELETE_RULE_COMMENT)}`);
}

/**
 * Repairs the `_deleted` flags of `table` if they predate the current rule (see the module comment),
 * in the caller's transaction.
 *
 * @returns the number of rows flagged or removed (0 when the table already follows the rule).
 */
export async function repairDeleteFlags(client: pg.Client, table: StreamTable, hardDelete: boolean): Promise<number> {
  const { rows } = await client.query<{ comment: string | null }>(
    `select col_description(attrelid, attnum) as comment from pg_attribute where attrelid = $1::regclass and attname = $2`,
    [table.qualifiedName, DELETED_COLUMN],
  );
  if (rows[0]?.comment === DELETE_RULE_COMMENT) return 0;
  const deleted = isDeletedRecordSql(quoteIdent(RAW_DATA_COLUMN));
  const flag = quoteIdent(DELETED_COLUMN);
  const { rowCount } = await client.query(
    hardDelete && isDeduplicated(table)
      ? `delete from ${table.qualifiedName} where ${deleted}`
      : `update ${table.qualifiedName} set ${flag} = true where not ${flag} and ${deleted}`,
  );
  await markDeleteRule(client, table.qualifiedName);
  return rowCount ?? 0;
}
