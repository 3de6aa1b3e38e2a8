/**
 * One stream's staging table (a temporary table private to the session) and what the stager
 * (staging.ts) keeps of the stream: the open batch, the closed batches waiting for the group's merge,
 * and the rows waiting for the COPY.
 *
 *   pg_temp."_sync_staging_<n>" (<seq> bigint, _deleted boolean, <key columns> text, <typed columns>, _raw_data jsonb)
 */
import { BatchDigest } from './checkpoints.ts';
import { CopyBuffer } from './copy-buffer.ts';
import { quoteIdent } from './identifiers.ts';
import { RowEncoder } from './rows.ts';
import type { Batch } from './staging.ts';
import { DELETED_COLUMN, isDeduplicated, RAW_DATA_COLUMN, SYNCED_AT_COLUMN, writeTarget, type StreamTable } from './tables.ts';
import type { WrittenKeys } from './written-keys.ts';

export interface Staging {
  table: StreamTable;
  encoder: RowEncoder;
  /** Quoted name of the temporary staging table. */
  stagingName: string;
  /** Quoted name of the staging table's arrival-order column. */
  seqColumn: string;
  stagingCopy: string;
  /** COPY of direct rows with their `_synced_at`, and without it (the column's default, `now()`). */
  directCopy: string;
  directCopyNow: string;
  /** `isDeduplicated(table)`, read per record. */
  deduplicated: boolean;
  /**
   * Rows of the open batch (the records since this stream's last closed batch) in the staging table,
   * and in the table itself; their sum is the batch's record count.
   */
  staged: number;
  direct: number;
  /** The open batch's staged rows hold a delete. */
  hasDeletes: boolean;
  /** The open batch's first `seq`, kept for its direct rows moved back to staging. */
  firstSeq: number;
  /** The open batch's stamp (microseconds since the epoch), once it has one. */
  stamp: bigint | undefined;
  /** `stamp` as timestamptz text, for the COPY of direct rows. */
  stampText: string;
  /** What ends a direct row of the open batch: a tab and `stampText`, or '' when the stamp is `now()`. */
  stampField: string;
  /** Closed batches not merged yet, in order. */
  pending: PendingBatch[];
  /** Keys of the staged rows not merged yet; undefined once they may hold one key twice. */
  stagedKeys: Set<string> | undefined;
  digest: BatchDigest;
  /** Rows waiting for the COPY `bufferCopy`. */
  rows: CopyBuffer;
  bufferCopy: string;
  /** This write may write direct rows of the stream (`allowDirect`), and its keys so far. */
  written: WrittenKeys | undefined;
  /** The current batch still writes direct rows. */
  directNow: boolean;
  batchNumber: number;
}

/** A closed batch waiting for the group's merge. */
export interface PendingBatch {
  batch: Batch;
  /** Its staged rows have `from <= seq < to`. */
  from: number;
  to: number;
  staged: number;
  direct: number;
  hasDeletes: boolean;
  stamp: bigint | undefined;
}

/**
 * The staging of `table`, the `index`-th stream of the write, whose first batch starts at `firstSeq`;
 * its rows go to the COPY in chunks of about `chunkBytes` bytes, a chunk's Buffer reused once
 * `released()` (see CopyBuffer). Its arrival-order column is `_sync_seq` (`_sync_seq_2`… when a column of the table has that name).
 */
export function newStaging(table: StreamTable, index: number, firstSeq: number, chunkBytes: number, released?: () => boolean): Staging {
  const keys = table.primaryKey.map((k) => quoteIdent(k.column));
  const typed = table.columns.map((c) => quoteIdent(c.column));
  const taken = new Set([...table.primaryKey.map((k) => k.column), ...table.columns.map((c) => c.column)]);
  let seq = '_sync_seq';
  for (let n = 2; taken.has(seq); n++) seq = `_sync_seq_${n}`;
  const stagingName = `pg_temp.${quoteIdent(`_sync_staging_${index}`)}`;
  const [raw, deleted] = [quoteIdent(RAW_DATA_COLUMN), quoteIdent(DELETED_COLUMN)];
  return {
    table,
    encoder: new RowEncoder(table),
    stagingName,
    seqColumn: quoteIdent(seq),
    stagingCopy: `copy ${stagingName} (${[quoteIdent(seq), deleted, ...keys, ...typed, raw].join(', ')}) from stdin`,
    directCopy: `copy ${writeTarget(table)} (${[...keys, ...typed, raw, deleted, quoteIdent(SYNCED_AT_COLUMN)].join(', ')}) from stdin`,
    directCopyNow: `copy ${writeTarget(table)} (${[...keys, ...typed, raw, deleted].join(', ')}) from stdin`,
    deduplicated: isDeduplicated(table),
    staged: 0,
    direct: 0,
    hasDeletes: false,
    firstSeq,
    stamp: undefined,
    stampText: '',
    stampField: '',
    pending: [],
    stagedKeys: new Set(),
    digest: new BatchDigest(),
    rows: new CopyBuffer(chunkBytes, released),
    bufferCopy: '',
    written: undefined,
    directNow: false,
    batchNumber: 0,
  };
}

/** DDL of the staging table of `s` (idempotent). */
export function stagingTableSql(s: Staging): string {
  const columns = [
    `${s.seqColumn} bigint not null`,
    `${quoteIdent(DELETED_COLUMN)} boolean not null`,
    ...s.table.primaryKey.map((k) => `${quoteIdent(k.column)} text not null`),
    ...s.table.columns.map((c) => `${quoteIdent(c.column)} ${c.type}`),
    `${quoteIdent(RAW_DATA_COLUMN)} jsonb not null`,
  ];
  return `create temporary table if not exists ${s.stagingName} (${columns.join(', ')})`;
}
