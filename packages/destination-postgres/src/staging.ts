/**
 * Staging: records become rows of typed values in this process (rows.ts) and stream, through one open
 * COPY (copy-lane.ts), either into a temporary staging table per stream, merged into the stream's
 * table when a STATE closes the batch, or, when that merge could only insert them, straight into the
 * table ("direct rows", issue 13).
 *
 * Nothing is committed before the STATE that closes a batch: the write keeps a transaction open from
 * the first row of a batch to its STATE, in which the batch's COPYs, its merge and its checkpoint
 * (checkpoints.ts) run. A failure or a crash between two STATEs thus leaves the destination as of the
 * last commit. Staging tables are temporary (unlogged, private to the session).
 *
 * Direct rows: a stream writes them when the caller allows it (`allowDirect`: the write's only stream,
 * whose table was empty when the write started, or an appended one, or an overwrite's fresh shadow
 * table), as long as the merge of the batch would only have inserted them:
 * - appended tables (no primary key or `append`): always;
 * - deduplicated tables: a record whose key this write never wrote (written-keys.ts). The first
 *   record of a batch that fails this (a key written by an earlier batch, or a delete under
 *   `hard_delete`) and every later one of the batch are staged and merged as usual. A key written
 *   direct earlier in the same batch moves the batch's direct rows back into staging first
 *   (`_synced_at = now()`, this transaction's rows), so the merge sees every version: newest wins by
 *   delete, then cursor, then arrival, exactly as in merge.ts.
 *
 * Memory: per stream, at most `batchSize` rows or `maxBufferBytes` of row text wait for the COPY.
 */
import type pg from 'pg';
import { isDeletedRecord } from '@sync/protocol';
import { ConfigError } from '@sync/connector-kit';
import { BatchDigest } from './checkpoints.ts';
import { CopyLane } from './copy-lane.ts';
import { quoteIdent } from './identifiers.ts';
import { mergeStatements } from './merge.ts';
import { RowEncoder, valueAt } from './rows.ts';
import { DELETED_COLUMN, isDeduplicated, RAW_DATA_COLUMN, SYNCED_AT_COLUMN, writeTarget, type StreamTable } from './tables.ts';
import { WrittenKeys } from './written-keys.ts';

/** Default bound on the row text of one stream waiting for its COPY: 1 MiB. */
export const DEFAULT_MAX_BUFFER_BYTES = 1024 * 1024;

/** An open COPY is ended after this long without rows (ms): it holds a lock and counts toward statement_timeout. */
const COPY_IDLE_MS = 1_000;

/** An open COPY is ended at most this long after it started (ms), well below any sane statement_timeout. */
const COPY_MAX_AGE_MS = 60_000;

/** Keys remembered per batch to know whether its staged rows hold one key twice (dedup needed). */
const MAX_BATCH_KEYS = 100_000;

interface Staging {
  table: StreamTable;
  encoder: RowEncoder;
  /** Quoted name of the temporary staging table. */
  stagingName: string;
  /** Quoted name of the staging table's arrival-order column. */
  seqColumn: string;
  stagingCopy: string;
  directCopy: string;
  /** Records of the current batch (since this stream's last merge or discard). */
  records: number;
  /** Rows of the current batch in the staging table, and in the table itself. */
  staged: number;
  direct: number;
  /** The staged rows hold a delete. */
  hasDeletes: boolean;
  /** Keys of the staged rows of the batch; undefined once it may hold one key twice. */
  stagedKeys: Set<string> | undefined;
  digest: BatchDigest;
  /** Rows waiting for the COPY, all of one kind. */
  buffer: string[];
  bufferBytes: number;
  bufferDirect: boolean;
  /** This write may write direct rows of the stream (`allowDirect`), and its keys so far. */
  written: WrittenKeys | undefined;
  /** The current batch still writes direct rows. */
  directNow: boolean;
  batchNumber: number;
}

/** One stream's batch, as a STATE closes it. */
export interface Batch {
  stream: string;
  recordCount: number;
  /** sha1 of the batch's record data, in order (see checkpoints.ts). */
  digest: string;
}

export interface StagerOptions {
  /** Rows of one stream held in memory before they are written to the COPY. */
  batchSize: number;
  /** Bytes of row text of one stream held in memory before they are written to the COPY. Default 1 MiB. */
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

  constructor(client: pg.Client, tables: Iterable<StreamTable>, options: StagerOptions) {
    this.#client = client;
    this.#lane = new CopyLane(client, { idleMs: COPY_IDLE_MS, maxAgeMs: COPY_MAX_AGE_MS });
    this.#batchSize = options.batchSize;
    this.#maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    this.#hardDelete = options.hardDelete ?? false;
    let index = 0;
    for (const table of tables) {
      const keys = table.primaryKey.map((k) => quoteIdent(k.column));
      const typed = table.columns.map((c) => quoteIdent(c.column));
      const taken = new Set([...table.primaryKey.map((k) => k.column), ...table.columns.map((c) => c.column)]);
      let seq = '_sync_seq';
      for (let n = 2; taken.has(seq); n++) seq = `_sync_seq_${n}`;
      const stagingName = `pg_temp.${quoteIdent(`_sync_staging_${index++}`)}`;
      const [raw, deleted] = [quoteIdent(RAW_DATA_COLUMN), quoteIdent(DELETED_COLUMN)];
      this.#streams.set(table.stream, {
        table,
        encoder: new RowEncoder(table),
        stagingName,
        seqColumn: quoteIdent(seq),
        stagingCopy: `copy ${stagingName} (${[quoteIdent(seq), deleted, ...keys, ...typed, raw].join(', ')}) from stdin`,
        directCopy: `copy ${writeTarget(table)} (${[...keys, ...typed, raw, deleted].join(', ')}) from stdin`,
        records: 0,
        staged: 0,
        direct: 0,
        hasDeletes: false,
        stagedKeys: new Set(),
        digest: new BatchDigest(),
        buffer: [],
        bufferBytes: 0,
        bufferDirect: false,
        written: undefined,
        directNow: false,
        batchNumber: 0,
      });
    }
  }

  /** Stream names, in catalog order. */
  get streams(): string[] {
    return [...this.#streams.keys()];
  }

  /** Rows of the open transaction written straight into tables (not staged). */
  get directRows(): number {
    let n = 0;
    for (const s of this.#streams.values()) n += s.direct;
    return n;
  }

  /** Creates the temporary staging tables (one per stream, dropped when the connection closes). */
  async createStagingTables(): Promise<void> {
    for (const s of this.#streams.values()) {
      const columns = [
        `${s.seqColumn} bigint not null`,
        `${quoteIdent(DELETED_COLUMN)} boolean not null`,
        ...s.table.primaryKey.map((k) => `${quoteIdent(k.column)} text not null`),
        ...s.table.columns.map((c) => `${quoteIdent(c.column)} ${c.type}`),
        `${quoteIdent(RAW_DATA_COLUMN)} jsonb not null`,
      ];
      await this.#client.query(`create temporary table if not exists ${s.stagingName} (${columns.join(', ')})`);
    }
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

  /** Opens the transaction of the current batch if none is open. */
  async begin(): Promise<void> {
    if (this.#inTransaction) return;
    await this.#client.query('begin');
    this.#inTransaction = true;
  }

  /** Commits the open transaction (a batch's rows, merge and checkpoint); call `flush()` first. */
  async commit(): Promise<void> {
    await this.begin();
    await this.#client.query('commit');
    this.#inTransaction = false;
  }

  /** Rolls the open transaction back: every row of the batch, direct or staged. Call `discard` for each of its streams after. */
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
   * table. Rows wait in memory up to the batch size.
   *
   * @throws ConfigError when the stream is not in the configured catalog, or when the record has no
   *   value for a primary key field; the COPY's error (constraint, timeout, lost connection).
   */
  async add(stream: string, data: Record<string, unknown>): Promise<void> {
    const s = this.#streams.get(stream);
    if (!s) {
      throw new ConfigError(
        `record for stream '${stream}', which is not in the configured catalog (streams: ${[...this.#streams.keys()].join(', ')}); ` +
          'add the stream to the configured catalog or stop the source from emitting it',
        { stream },
      );
    }
    for (const key of s.table.primaryKey) {
      const value = valueAt(data, key.path);
      if (value === undefined || value === null) {
        throw new ConfigError(
          `record for stream '${stream}' has no value for its primary key ${JSON.stringify(key.path)}; ` +
            'fix primary_key in the configured catalog',
          { stream },
        );
      }
    }
    const json = JSON.stringify(data);
    s.digest.update(json);
    s.digest.update('\n');
    const deleted = isDeletedRecord(data);
    const row = s.encoder.encode(data, json);
    const flag = deleted ? 't' : 'f';
    s.records++;
    if (s.directNow && (await this.#staysDirect(s, row.key, deleted))) {
      this.#push(s, true, `${row.key === '' ? '' : `${row.key}\t`}${row.body}\t${flag}\n`);
      s.direct++;
    } else {
      this.#push(s, false, `${this.#seq++}\t${flag}\t${row.key === '' ? '' : `${row.key}\t`}${row.body}\n`);
      s.staged++;
      if (deleted) s.hasDeletes = true;
      if (s.stagedKeys && isDeduplicated(s.table)) {
        if (s.stagedKeys.has(row.key) || s.stagedKeys.size >= MAX_BATCH_KEYS) s.stagedKeys = undefined;
        else s.stagedKeys.add(row.key);
      }
      if (s.written && isDeduplicated(s.table)) s.written.set(row.key, s.batchNumber, false);
    }
    if (s.buffer.length >= this.#batchSize || s.bufferBytes >= this.#maxBufferBytes) await this.#write(s);
  }

  /** Decides whether a record of a direct batch is a direct row, switching the batch to staging when not. */
  async #staysDirect(s: Staging, key: string, deleted: boolean): Promise<boolean> {
    if (!isDeduplicated(s.table)) return true;
    const mark = deleted && this.#hardDelete ? { batch: -1, direct: false } : s.written!.get(key);
    if (mark === undefined) {
      s.written!.set(key, s.batchNumber, true);
      return true;
    }
    s.directNow = false;
    await this.#write(s);
    if (mark.batch === s.batchNumber && mark.direct) await this.#moveDirectRowsToStaging(s);
    return false;
  }

  /** Moves the direct rows of the current batch (this transaction's) from the table into staging. */
  async #moveDirectRowsToStaging(s: Staging): Promise<void> {
    await this.#lane.end();
    if (s.direct === 0) return;
    const columns = [...s.table.primaryKey.map((k) => k.column), ...s.table.columns.map((c) => c.column), RAW_DATA_COLUMN, DELETED_COLUMN].map(quoteIdent);
    await this.#client.query(
      `with moved as (delete from ${writeTarget(s.table)} where ${quoteIdent(SYNCED_AT_COLUMN)} = now() returning ${columns.join(', ')}) ` +
        `insert into ${s.stagingName} (${s.seqColumn}, ${columns.join(', ')}) select -1, ${columns.join(', ')} from moved`,
    );
    s.staged += s.direct;
    s.direct = 0;
    s.hasDeletes = true;
    s.stagedKeys = undefined;
  }

  #push(s: Staging, direct: boolean, line: string): void {
    if (s.buffer.length > 0 && s.bufferDirect !== direct) throw new Error('a batch switched from staged back to direct rows');
    s.bufferDirect = direct;
    s.buffer.push(line);
    s.bufferBytes += line.length;
  }

  async #write(s: Staging): Promise<void> {
    if (s.buffer.length === 0) return;
    const chunk = s.buffer.join('');
    s.buffer = [];
    s.bufferBytes = 0;
    await this.begin();
    await this.#lane.write(s.bufferDirect ? s.directCopy : s.stagingCopy, chunk);
  }

  /** Writes every waiting row and ends the open COPY. Commits nothing. */
  async flush(): Promise<void> {
    for (const s of this.#streams.values()) await this.#write(s);
    await this.#lane.end();
  }

  /** The current batch of `stream`: its record count and digest. Call once per batch, before `merge` or `discard`. */
  batch(stream: string): Batch {
    const s = this.#get(stream);
    return { stream, recordCount: s.records, digest: s.digest.digest() };
  }

  /**
   * Merges the staged rows of the batch of `stream` into its table (or shadow table) and empties the
   * staging table, in the open transaction; the direct rows are there already. Call `flush()` first.
   *
   * @returns the number of records of the batch.
   */
  async merge(stream: string): Promise<number> {
    const s = this.#get(stream);
    const records = s.records;
    if (s.staged > 0) {
      await this.begin();
      const statements = mergeStatements(s.table, {
        target: writeTarget(s.table),
        staging: s.stagingName,
        seq: s.seqColumn,
        hardDelete: this.#hardDelete,
        hasDeletes: s.hasDeletes,
        unique: s.stagedKeys !== undefined,
      });
      for (const sql of statements) await this.#client.query(sql);
    }
    await this.discard(stream);
    return records;
  }

  /**
   * Ends the batch of `stream`: empties its staging table (a replay's rows, or after a merge) and
   * starts the next batch. Call `flush()` first.
   */
  async discard(stream: string): Promise<void> {
    const s = this.#get(stream);
    if (s.staged > 0) await this.#client.query(`truncate ${s.stagingName}`);
    s.records = 0;
    s.staged = 0;
    s.direct = 0;
    s.hasDeletes = false;
    s.stagedKeys = new Set();
    s.batchNumber++;
    s.directNow = s.written !== undefined && !s.written.full;
  }

  #get(stream: string): Staging {
    const s = this.#streams.get(stream);
    if (!s) throw new Error(`no staging table for stream ${stream}`);
    return s;
  }
}
