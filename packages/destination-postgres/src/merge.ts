/**
 * The statements that move one stream's staged batches into its table (or its shadow table), run in the
 * transaction that also records the batches' checkpoints. The staging table (staging.ts) holds typed
 * rows, computed in the destination process by the typing rule of columns.ts (typed-values.ts):
 * `(<seq>, _deleted, <key columns>, <typed columns>, _raw_data)`, so the merge only moves them.
 *
 * Deduplicated tables (append_dedup, and overwrite with a primary key): one row per key. Within a
 * batch the newest version of a key wins: a delete first, then the highest cursor value, then the last
 * received (arrival order), so ties are broken deterministically. Against the stored row, an upsert
 * replaces it only when the incoming cursor is >= the stored one (a missing cursor counts as JSON null,
 * the lowest value); without a cursor field the last received wins.
 *
 * Deletes: a record is a delete by `isDeletedRecord` of @sync/protocol (`"_deleted": true` from our
 * sources, `"deleted": true` from Stripe's deleted objects, a non-null `_ab_cdc_deleted_at` from
 * Airbyte CDC), decided once per record when it is staged (the staging `_deleted` column). A delete
 * always wins over the stored row. Soft (default): the row stays, with `_deleted = true` and its last
 * data; a delete for an unknown key is stored as its own row. Hard (`hard_delete: true`): the row is
 * removed. Appended tables always store a delete as a row with `_deleted = true` (a row per version).
 */
import { pathLiteral, quoteIdent } from './identifiers.ts';
import { DELETED_COLUMN, isDeduplicated, RAW_DATA_COLUMN, SYNCED_AT_COLUMN, type StreamTable } from './tables.ts';

/** One closed batch of the group being merged: its rows in the staging table and their `_synced_at`. */
export interface MergedBatch {
  /** Its staged rows have `from <= seq < to`. */
  from: number;
  to: number;
  /** SQL literal of its rows' `_synced_at` (the batch's stamp, staging.ts). */
  syncedAt: string;
  /** It holds a delete (or rows moved back from the table, which may be deletes). */
  hasDeletes: boolean;
}

export interface MergeOptions {
  /** Quoted name of the table to write: the stream's table, or its shadow table in overwrite mode. */
  target: string;
  /** Quoted name of the staging table (see the module comment). */
  staging: string;
  /** Quoted name of the staging table's arrival-order column (bigint). */
  seq: string;
  /** Remove deleted records instead of flagging them. */
  hardDelete: boolean;
  /** No key appears twice among the staged rows of `batches`: they need no deduplication. */
  unique: boolean;
}

/**
 * The statements merging the staged rows of `batches` (closed batches of one stream, in order, seq
 * ranges ascending; the staging table may hold rows of later seqs, which stay) into `table`, in order.
 *
 * Merging batch after batch is the rule. Several are merged by one statement when that ends the same:
 * appended rows (inserted in seq order), and deduplicated batches without a delete (per key, the
 * highest cursor then the last arrival wins, across batches as within one). A delete changes that (it
 * wins within a batch, not across batches, and a soft delete keeps the stored row's data), so a
 * group holding one is merged batch by batch.
 */
export function mergeStatements(table: StreamTable, batches: readonly MergedBatch[], options: MergeOptions): string[] {
  if (batches.length === 0) return [];
  if (isDeduplicated(table) && batches.some((b) => b.hasDeletes)) {
    return batches.flatMap((b) => batchStatements(table, [b], { ...options, hasDeletes: true }));
  }
  return batchStatements(table, batches, { ...options, hasDeletes: false });
}

/** The statements merging `batches` as one: see `mergeStatements` for when that is exact. */
function batchStatements(table: StreamTable, batches: readonly MergedBatch[], options: MergeOptions & { hasDeletes: boolean }): string[] {
  const keyColumns = table.primaryKey.map((k) => quoteIdent(k.column));
  const typedColumns = table.columns.map((c) => quoteIdent(c.column));
  const [raw, syncedAt, deleted] = [RAW_DATA_COLUMN, SYNCED_AT_COLUMN, DELETED_COLUMN].map(quoteIdent) as [string, string, string];
  const insertColumns = [...keyColumns, ...typedColumns, raw, syncedAt, deleted].join(', ');
  const seq = options.seq;
  const stamp = (source: string) =>
    batches.length === 1
      ? batches[0]!.syncedAt
      : `case ${batches.map((b) => `when ${source}.${seq} < ${b.to} then ${b.syncedAt}`).join(' ')} end`;
  const values = (source: string) => [...keyColumns, ...typedColumns, raw].map((c) => `${source}.${c}`).concat(stamp(source), `${source}.${deleted}`).join(', ');
  const first = batches[0]!.from;
  const last = batches[batches.length - 1]!.to;
  const inRange = (source: string) => `${source}.${seq} >= ${first} and ${source}.${seq} < ${last}`;

  if (!isDeduplicated(table)) {
    return [`insert into ${options.target} (${insertColumns}) select ${values('staged')} from ${options.staging} staged where ${inRange('staged')} order by staged.${seq}`];
  }

  const cursor = (source: string) => (table.cursorPath ? `coalesce(${source} #> ${pathLiteral(table.cursorPath)}, 'null'::jsonb)` : undefined);
  const order = [...keyColumns, `${deleted} desc`, ...(table.cursorPath ? [`${cursor(raw)} desc`] : []), `${seq} desc`].join(', ');
  const newest = options.unique
    ? `(select * from ${options.staging} staged where ${inRange('staged')}) newest`
    : `(select distinct on (${keyColumns.join(', ')}) * from ${options.staging} staged where ${inRange('staged')} order by ${order}) newest`;
  const hard = options.hardDelete;
  const statements: string[] = [];
  if (hard && options.hasDeletes) {
    const match = keyColumns.map((c) => `target.${c} = newest.${c}`).join(' and ');
    statements.push(`delete from ${options.target} as target using ${newest} where newest.${deleted} and ${match}`);
  }
  // A soft delete keeps the stored row's data and only flags it.
  const keep = (column: string) => (hard ? `excluded.${column}` : `case when excluded.${deleted} then target.${column} else excluded.${column} end`);
  const updates = [...typedColumns, raw].map((c) => `${c} = ${keep(c)}`);
  updates.push(`${syncedAt} = excluded.${syncedAt}`, `${deleted} = excluded.${deleted}`);
  const newerWins = table.cursorPath ? ` where excluded.${deleted} or ${cursor(`excluded.${raw}`)} >= ${cursor(`target.${raw}`)}` : '';
  statements.push(
    `insert into ${options.target} as target (${insertColumns}) ` +
      `select ${values('newest')} from ${newest}${hard ? ` where not newest.${deleted}` : ''} ` +
      `on conflict (${keyColumns.join(', ')}) do update set ${updates.join(', ')}${newerWins}`,
  );
  return statements;
}
