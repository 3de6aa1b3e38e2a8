/**
 * Staging: records become rows of typed values in this process (rows.ts) and stream, through one open
 * COPY (copy-lane.ts), either into a temporary staging table per stream, merged into the stream's
 * table when a STATE closes the batch, or, when that merge could only insert them, straight into the
 * table ("direct rows", issue 13).
 *
 * Nothing is committed before the STATE that closes a batch: the write keeps a transaction open from
 * the first row of a group of batches to the commit of the group (write.ts, group commit), in which
 * the batches' COPYs, their merges (`mergePending`) and their checkpoints (checkpoints.ts) run. A
 * failure or a crash between two commits thus leaves the destination as of the last commit. Staging
 * tables are temporary (unlogged, private to the session).
 *
 * Each batch keeps its identity inside a group: its staged rows are a range of the arrival-order
 * column `seq` (the range's first value is kept for direct rows moved back to staging), and its rows
 * get a `_synced_at` of their own, the batch's *stamp* (stamps.ts). The stamp is also the
 * checkpoint's `committed_at`, which is how a resumed `append` table drops exactly the batches after
 * its checkpoint (checkpoints.ts `rollBackUnacknowledged`), how a replayed batch's direct rows are
 * removed (`dropBatch`), and how a batch's direct rows are moved back to staging.
 *
 * Direct rows: a stream writes them when the caller allows it (`allowDirect`: the write's only stream,
 * whose table was empty when the write started, or an appended one, or an overwrite's fresh shadow
 * table), as long as the merge of the batch would only have inserted them:
 * - appended tables (no primary key or `append`): always;
 * - deduplicated tables: a record whose key this write never wrote (written-keys.ts). The first
 *   record of a batch that fails this (a key written by an earlier batch, or a delete under
 *   `hard_delete`) and every later one of the batch are staged and merged as usual. A key written
 *   direct earlier in the same batch moves the batch's direct rows back into staging first (its
 *   stamp), so the merge sees every version: newest wins by delete, then cursor, then arrival,
 *   exactly as in merge.ts. A key written direct by an earlier batch is staged and merged against
 *   that row, as the merge of consecutive batches does.
 *
 * Memory: per stream, at most `batchSize` rows or `maxBufferBytes` of row bytes wait for the COPY
 * (copy-buffer.ts).
 */
import type pg from 'pg';
import { isDeletedRecord } from '@sync/protocol';
import { ConfigError } from '@sync/connector-kit';
import { CopyLane } from './copy-lane.ts';
import { quoteIdent } from './identifiers.ts';
import { mergeStatements, type MergedBatch } from './merge.ts';
import { NOW_MICROSECONDS_SQL, Stamps, stampLiteral, stampText } from './stamps.ts';
import { DELETED_COLUMN, RAW_DATA_COLUMN, SYNCED_AT_COLUMN, writeTarget, type StreamTable } from './tables.ts';
import { WrittenKeys, type KeyMark } from './written-keys.ts';
import type { EncodedRow } from './rows.ts';
import { newStaging, stagingTableSql, type Staging } from './staging-table.ts';

/** Default bound on the rows of one stream waiting for their COPY, in bytes: 1 MiB. */
export const DEFAULT_MAX_BUFFER_BYTES = 1024 * 1024;

/** An open COPY is ended after this long without rows (ms): it holds a lock and counts toward statement_timeout. */
const COPY_IDLE_MS = 1_000;

/** An open COPY is ended at most this long after it started (ms), well below any sane statement_timeout. */
const COPY_MAX_AGE_MS = 60_000;

/** Keys remembered per group to know whether its staged rows hold one key twice (dedup needed). */
const MAX_GROUP_KEYS = 100_000;

/** One stream's batch, as a STATE closes it. */
export interface Batch {
  stream: string;
  recordCount: number;
  /** sha1 of the batch's record data, in order (see checkpoints.ts). */
  digest: string;
  /**
   * The batch's stamp as timestamptz text: its rows' `_synced_at` and its checkpoint's `committed_at`.
   * Set by `mergePending` (or earlier, when the batch wrote direct rows).
   */
  stamp: string | undefined;
}


export interface StagerOptions {
  /** Rows of one stream held in memory before they are written to the COPY. */
  batchSize: number;
  /** Bytes of rows (UTF-8) of one stream held in memory before they are written to the COPY. Default 1 MiB. */
  maxBufferBytes?: number;
  /** Remove deleted records instead of flagging them (`hard_delete`). */
  hardDelete?: boolean;
}

export class Stager {
  readonly #client: pg.Client;
  readonly #lane: CopyLane;
  readonly #streams = new Map<string, Staging>();
  readonly #batchSize: number;
  readonly #maxBufferBytes: number;
  readonly #hardDelete: boolean;
  #inTransaction = false;
  /** Arrival order of staged records, so that the last of two equal versions wins. */
  #seq = 0;
  readonly #stamps = new Stamps();

  constructor(client: pg.Client, tables: Iterable<StreamTable>, options: StagerOptions) {
    this.#client = client;
    this.#lane = new CopyLane(client, { idleMs: COPY_IDLE_MS, maxAgeMs: COPY_MAX_AGE_MS });
    this.#batchSize = options.batchSize;
    this.#maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    this.#hardDelete = options.hardDelete ?? false;
    let index = 0;
    for (const table of tables) this.#streams.set(table.stream, newStaging(table, index++, this.#seq++, this.#maxBufferBytes, () => this.#lane.released()));
  }

  /** Stream names, in catalog order. */
  get streams(): string[] {
    return [...this.#streams.keys()];
  }

  /** Creates the temporary staging tables (one per stream, dropped when the connection closes). */
  async createStagingTables(): Promise<void> {
    for (const s of this.#streams.values()) await this.#client.query(stagingTableSql(s));
  }

  /**
   * Lets `stream` write direct rows (see the module comment). Call before its first record, only for
   * the write's only stream, and only when its table was empty when the write started or when it is
   * appended or an overwrite's shadow table.
   */
  allowDirect(stream: string): void {
    const s = this.#get(stream);
    s.written = new WrittenKeys();
    s.directNow = true;
  }

  /** Opens the transaction of the current group if none is open, and reads its `now()`. */
  async begin(): Promise<void> {
    if (this.#inTransaction) return;
    const results = (await this.#client.query(`begin; ${NOW_MICROSECONDS_SQL}`)) as unknown as pg.QueryResult<{ us: string; exact: boolean }>[];
    this.#stamps.begin(results[1]!.rows[0]!);
    this.#inTransaction = true;
  }

  /** Commits the open transaction (the group's rows, merges and checkpoints); call `mergePending()` first. */
  async commit(): Promise<void> {
    await this.begin();
    await this.#client.query('commit');
    this.#inTransaction = false;
  }

  /** Rolls the open transaction back: every row since the last commit, direct or staged. The write then fails. */
  async rollback(): Promise<void> {
    this.#lane.abandon();
    if (this.#inTransaction) await this.#client.query('rollback');
    this.#inTransaction = false;
  }

  /** Stops the COPY idle timer after a failure; the connection's end then rolls everything back. */
  abandon(): void {
    this.#lane.abandon();
  }

  /**
   * Takes one record: into the COPY of its stream's staging table or, for a direct row, of its
   * table. Rows wait in memory up to the batch size. `dataText`: `data`'s JSON as the source sent it
   * (protocol's `dataTextOf`), stored as `_raw_data` and digested; default `JSON.stringify(data)`.
   *
   * Returns a promise when the record had to wait for the database (a COPY write, the batch's stamp,
   * a switch to staging), else undefined: the caller awaits it before the next record. Most records
   * wait for nothing, and a promise each would cost more than the rest of their bookkeeping.
   *
   * @throws ConfigError when the stream is not in the configured catalog, or when the record has no
   *   value for a primary key field; the COPY's error (constraint, timeout, lost connection).
   */
  add(stream: string, data: Record<string, unknown>, dataText?: string): Promise<void> | undefined {
    const s = this.#streams.get(stream);
    if (!s) {
      throw new ConfigError(
        `record for stream '${stream}', which is not in the configured catalog (streams: ${[...this.#streams.keys()].join(', ')}); ` +
          'add the stream to the configured catalog or stop the source from emitting it',
        { stream },
      );
    }
    const json = dataText ?? JSON.stringify(data);
    const row = s.encoder.encode(data, json);
    s.digest.update(json);
    s.digest.update('\n');
    const deleted = isDeletedRecord(data);
    if (!s.directNow) return this.#addStaged(s, row, deleted);
    const mark = this.#markDirect(s, row.key, deleted);
    if (mark !== undefined) return this.#leaveDirect(s, mark).then(() => this.#addStaged(s, row, deleted));
    if (s.stamp === undefined) return this.#stampOpenBatch(s).then(() => this.#addDirect(s, row, deleted));
    return this.#addDirect(s, row, deleted);
  }

  /**
   * Whether a record of a direct batch stays a direct row: undefined when it does (its key is then
   * marked written), else the mark of the earlier row of its key that sends the batch to staging.
   */
  #markDirect(s: Staging, key: string, deleted: boolean): KeyMark {
    if (!s.deduplicated) return undefined;
    const mark = deleted && this.#hardDelete ? { batch: -1, direct: false } : s.written!.get(key);
    if (mark === undefined) s.written!.set(key, s.batchNumber, true);
    return mark;
  }

  /** Switches the open batch of `s` to staging (`mark`: see `#markDirect`). */
  async #leaveDirect(s: Staging, mark: NonNullable<KeyMark>): Promise<void> {
    s.directNow = false;
    await this.#write(s);
    if (mark.batch === s.batchNumber && mark.direct) await this.#moveDirectRowsToStaging(s);
  }

  /** Gives the open batch of `s` its stamp, for its first direct row. */
  async #stampOpenBatch(s: Staging): Promise<void> {
    await this.begin();
    s.stamp = this.#stamps.next();
    s.stampText = stampText(s.stamp);
    // The transaction's first stamp is its now(), the column's default: rows need not repeat it.
    s.stampField = this.#stamps.isNow(s.stamp) ? '' : `\t${s.stampText}`;
  }

  /** A direct row: key, typed columns, `_raw_data`, `_deleted`, and `_synced_at` unless it is `now()`. */
  #addDirect(s: Staging, row: EncodedRow, deleted: boolean): Promise<void> | undefined {
    const copy = s.stampField === '' ? s.directCopyNow : s.directCopy;
    if (s.rows.bytes > 0 && s.bufferCopy !== copy) return this.#write(s).then(() => this.#addDirect(s, row, deleted));
    s.bufferCopy = copy;
    s.rows.write(row.key === '' ? row.typed : `${row.key}\t${row.typed}`);
    s.rows.write(row.raw);
    s.rows.write(deleted ? `\tt${s.stampField}` : `\tf${s.stampField}`);
    s.rows.endRow();
    s.direct++;
    return this.#writeIfFull(s);
  }

  /** A staged row: arrival order, `_deleted`, key, typed columns, `_raw_data`. */
  #addStaged(s: Staging, row: EncodedRow, deleted: boolean): Promise<void> | undefined {
    if (s.rows.bytes > 0 && s.bufferCopy !== s.stagingCopy) return this.#write(s).then(() => this.#addStaged(s, row, deleted));
    s.bufferCopy = s.stagingCopy;
    s.rows.write(`${this.#seq++}\t${deleted ? 't' : 'f'}\t${row.key === '' ? '' : `${row.key}\t`}${row.typed}`);
    s.rows.write(row.raw);
    s.rows.endRow();
    s.staged++;
    if (deleted) s.hasDeletes = true;
    if (s.stagedKeys && s.deduplicated) {
      if (s.stagedKeys.has(row.key) || s.stagedKeys.size >= MAX_GROUP_KEYS) s.stagedKeys = undefined;
      else s.stagedKeys.add(row.key);
    }
    if (s.written && s.deduplicated) s.written.set(row.key, s.batchNumber, false);
    return this.#writeIfFull(s);
  }

  /** Writes the waiting rows of `s` out once they reach the batch size or the buffer's bound. */
  #writeIfFull(s: Staging): Promise<void> | undefined {
    return s.rows.rows >= this.#batchSize || s.rows.full ? this.#write(s) : undefined;
  }

  /**
   * Moves the direct rows of the open batch (its stamp) from the table into staging, at the batch's
   * first `seq`, before its staged rows. The batch goes on staged.
   */
  async #moveDirectRowsToStaging(s: Staging): Promise<void> {
    await this.#write(s);
    await this.#lane.end();
    s.directNow = false;
    if (s.direct === 0) return;
    const columns = [...s.table.primaryKey.map((k) => k.column), ...s.table.columns.map((c) => c.column), RAW_DATA_COLUMN, DELETED_COLUMN].map(quoteIdent);
    await this.#client.query(
      `with moved as (delete from ${writeTarget(s.table)} where ${quoteIdent(SYNCED_AT_COLUMN)} = ${stampLiteral(s.stamp!)} returning ${columns.join(', ')}) ` +
        `insert into ${s.stagingName} (${s.seqColumn}, ${columns.join(', ')}) select ${s.firstSeq}, ${columns.join(', ')} from moved`,
    );
    s.staged += s.direct;
    s.direct = 0;
    s.hasDeletes = true;
    s.stagedKeys = undefined;
  }

  async #write(s: Staging): Promise<void> {
    const chunk = s.rows.take();
    if (chunk === undefined) return;
    await this.begin();
    await this.#lane.write(s.bufferCopy, chunk);
    s.rows.recycle(chunk);
  }

  /** Writes every waiting row and ends the open COPY. Commits nothing. */
  async flush(): Promise<void> {
    for (const s of this.#streams.values()) await this.#write(s);
    await this.#lane.end();
  }

  /**
   * Closes the open batch of `stream` (a STATE covers it, or the input ended): it waits, in order, for
   * the group's `mergePending`, and the next batch opens. Runs no statement.
   *
   * @returns its record count and digest; its `stamp` is set by `mergePending`.
   */
  closeBatch(stream: string): Batch {
    const s = this.#get(stream);
    const batch: Batch = { stream, recordCount: s.staged + s.direct, digest: s.digest.digest(), stamp: s.stamp === undefined ? undefined : s.stampText };
    s.pending.push({ batch, from: s.firstSeq, to: this.#seq, staged: s.staged, direct: s.direct, hasDeletes: s.hasDeletes, stamp: s.stamp });
    s.firstSeq = this.#seq++;
    s.staged = 0;
    s.direct = 0;
    s.hasDeletes = false;
    s.stamp = undefined;
    s.batchNumber++;
    s.directNow = s.written !== undefined && !s.written.full;
    return batch;
  }

  /**
   * Drops the batch of `stream` just closed (`closeBatch`, which returned `batch`): a replay. Its
   * staged rows leave the staging table and its direct rows (its stamp) the table, in the open
   * transaction; it is not merged.
   */
  async dropBatch(stream: string, batch: Batch): Promise<void> {
    const s = this.#get(stream);
    const dropped = s.pending.at(-1);
    if (dropped?.batch !== batch) throw new Error(`dropBatch: the batch of ${stream} is not the last one closed`);
    s.pending.pop();
    if (dropped.staged === 0 && dropped.direct === 0) return;
    await this.flush();
    if (dropped.staged > 0) await this.#client.query(`delete from ${s.stagingName} where ${s.seqColumn} >= ${dropped.from} and ${s.seqColumn} < ${dropped.to}`);
    if (dropped.direct > 0) await this.#client.query(`delete from ${writeTarget(s.table)} where ${quoteIdent(SYNCED_AT_COLUMN)} = ${stampLiteral(dropped.stamp!)}`);
  }

  /**
   * Moves the direct rows of every open batch back to staging (see `#moveDirectRowsToStaging`), so
   * that a commit before their STATE does not commit them. Ends the open COPY.
   */
  async stageOpenDirectRows(): Promise<void> {
    for (const s of this.#streams.values()) if (s.direct > 0) await this.#moveDirectRowsToStaging(s);
    await this.flush();
  }

  /**
   * Merges every closed batch (`closeBatch`) into its table or shadow table, in the open transaction
   * (opened if none is), and gives each its stamp; their direct rows are there already. Staged rows of
   * open batches stay in staging. Ends the open COPY; commits nothing.
   */
  async mergePending(): Promise<void> {
    await this.flush();
    await this.begin();
    for (const s of this.#streams.values()) {
      if (s.pending.length === 0) continue;
      const merged: MergedBatch[] = [];
      for (const p of s.pending) {
        p.stamp ??= this.#stamps.next();
        p.batch.stamp ??= stampText(p.stamp);
        if (p.staged > 0) merged.push({ from: p.from, to: p.to, syncedAt: stampLiteral(p.stamp), hasDeletes: p.hasDeletes });
      }
      if (merged.length > 0) {
        const statements = mergeStatements(s.table, merged, {
          target: writeTarget(s.table),
          staging: s.stagingName,
          seq: s.seqColumn,
          hardDelete: this.#hardDelete,
          unique: s.stagedKeys !== undefined,
        });
        // The open batch's staged rows stay for its own merge.
        statements.push(s.staged > 0 ? `delete from ${s.stagingName} where ${s.seqColumn} < ${merged.at(-1)!.to}` : `truncate ${s.stagingName}`);
        await this.#client.query(statements.join(';\n'));
      }
      s.pending = [];
      if (s.staged === 0) s.stagedKeys = new Set();
    }
  }

  #get(stream: string): Staging {
    const s = this.#streams.get(stream);
    if (!s) throw new Error(`no staging table for stream ${stream}`);
    return s;
  }
}

