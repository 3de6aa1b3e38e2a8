/**
 * Staging: records are buffered in memory, copied in batches (COPY FROM STDIN) into one temporary
 * staging table per stream, and merged into the stream's table when a STATE closes the batch.
 *
 * Nothing reaches a destination table before a merge, and merges run in the transaction that records
 * the checkpoint, so a failure or a crash between two STATEs leaves the destination as of the last
 * commit. Staging tables are temporary (unlogged, private to the session): rows staged by a crashed
 * write vanish with its session, so the next write always starts from empty staging tables.
 * Memory holds at most `batchSize` records (and about `maxBufferBytes`) whatever the size of a batch
 * between two STATEs; the staging tables take the rest.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { isDeletedRecord } from '@sync/protocol';
import { ConfigError } from '@sync/connector-kit';
import { BatchDigest } from './checkpoints.ts';
import { quoteIdent } from './identifiers.ts';
import { mergeStatements } from './merge.ts';
import type { StreamTable } from './tables.ts';

/** Default bound on buffered record bytes (JSON text) before a flush: 32 MiB. */
export const DEFAULT_MAX_BUFFER_BYTES = 32 * 1024 * 1024;

/** Size of the chunks written to a COPY stream, in bytes. */
const COPY_CHUNK_BYTES = 1024 * 1024;

interface Staging {
  table: StreamTable;
  /** Quoted name of the temporary staging table. */
  stagingName: string;
  /** COPY text-format lines (`seq\tdeleted\tjson\n`) not yet copied. */
  buffered: string[];
  /** Records of the current batch (since this stream's last merge or discard). */
  records: number;
  /** The batch holds a delete. */
  hasDeletes: boolean;
  digest: BatchDigest;
}

/** One stream's batch, as a STATE closes it. */
export interface Batch {
  stream: string;
  recordCount: number;
  /** sha1 of the batch's record data, in order (see checkpoints.ts). */
  digest: string;
}

export interface StagerOptions {
  /** Records held in memory before a flush into the staging tables. */
  batchSize: number;
  /** Bytes of record JSON held in memory before a flush. Default 32 MiB. */
  maxBufferBytes?: number;
  /** Remove deleted records instead of flagging them (`hard_delete`). */
  hardDelete?: boolean;
}

export class Stager {
  readonly #client: pg.Client;
  readonly #streams = new Map<string, Staging>();
  readonly #batchSize: number;
  readonly #maxBufferBytes: number;
  readonly #hardDelete: boolean;
  #bufferedRecords = 0;
  #bufferedBytes = 0;
  /** Arrival order of records, so that the last of two equal versions wins. */
  #seq = 0;

  constructor(client: pg.Client, tables: Iterable<StreamTable>, options: StagerOptions) {
    this.#client = client;
    this.#batchSize = options.batchSize;
    this.#maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    this.#hardDelete = options.hardDelete ?? false;
    let index = 0;
    for (const table of tables) {
      this.#streams.set(table.stream, {
        table,
        stagingName: `pg_temp.${quoteIdent(`_sync_staging_${index++}`)}`,
        buffered: [],
        records: 0,
        hasDeletes: false,
        digest: new BatchDigest(),
      });
    }
  }

  /** Stream names, in catalog order. */
  get streams(): string[] {
    return [...this.#streams.keys()];
  }

  /** Creates the temporary staging tables (one per stream, dropped when the connection closes). */
  async createStagingTables(): Promise<void> {
    for (const { stagingName } of this.#streams.values()) {
      await this.#client.query(`create temporary table if not exists ${stagingName} (seq bigint not null, deleted boolean not null, data jsonb not null)`);
    }
  }

  /**
   * Buffers one record; copies the buffers into staging when they reach the batch size.
   *
   * @throws ConfigError when the stream is not in the configured catalog, or when the record has no
   *   value for a primary key field.
   */
  async add(stream: string, data: Record<string, unknown>): Promise<void> {
    const staging = this.#streams.get(stream);
    if (!staging) {
      throw new ConfigError(
        `record for stream '${stream}', which is not in the configured catalog (streams: ${[...this.#streams.keys()].join(', ')}); ` +
          'add the stream to the configured catalog or stop the source from emitting it',
        { stream },
      );
    }
    for (const key of staging.table.primaryKey) {
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
    staging.digest.update(json);
    staging.digest.update('\n');
    const deleted = isDeletedRecord(data);
    if (deleted) staging.hasDeletes = true;
    // COPY text format: JSON.stringify escapes every control character, so only backslashes need escaping.
    const line = `${this.#seq++}\t${deleted ? 't' : 'f'}\t${json.includes('\\') ? json.replaceAll('\\', '\\\\') : json}\n`;
    staging.buffered.push(line);
    staging.records++;
    this.#bufferedRecords++;
    this.#bufferedBytes += line.length;
    if (this.#bufferedRecords >= this.#batchSize || this.#bufferedBytes >= this.#maxBufferBytes) await this.flush();
  }

  /** Copies every buffered record into its staging table. Commits nothing. */
  async flush(): Promise<void> {
    for (const staging of this.#streams.values()) {
      if (staging.buffered.length === 0) continue;
      const lines = staging.buffered;
      staging.buffered = [];
      const copy = this.#client.query(copyFrom(`copy ${staging.stagingName} (seq, deleted, data) from stdin`));
      await pipeline(Readable.from(chunks(lines)), copy);
    }
    this.#bufferedRecords = 0;
    this.#bufferedBytes = 0;
  }

  /** The current batch of `stream`: its record count and digest. Call once per batch, before `merge` or `discard`. */
  batch(stream: string): Batch {
    const staging = this.#get(stream);
    return { stream, recordCount: staging.records, digest: staging.digest.digest() };
  }

  /**
   * Runs the statements merging the staged batch of `stream` into `target` (its table or its shadow
   * table) and empties the staging table, in the caller's transaction. Call `flush()` first.
   *
   * @returns the number of records of the batch.
   */
  async merge(stream: string, target: string): Promise<number> {
    const staging = this.#get(stream);
    const records = staging.records;
    if (records > 0) {
      const statements = mergeStatements(staging.table, {
        target,
        staging: staging.stagingName,
        hardDelete: this.#hardDelete,
        hasDeletes: staging.hasDeletes,
      });
      for (const sql of statements) await this.#client.query(sql);
    }
    await this.discard(stream);
    return records;
  }

  /** Drops the staged batch of `stream` (a replay, or after a merge). Call `flush()` first. */
  async discard(stream: string): Promise<void> {
    const staging = this.#get(stream);
    if (staging.records > 0) await this.#client.query(`truncate ${staging.stagingName}`);
    staging.records = 0;
    staging.hasDeletes = false;
  }

  #get(stream: string): Staging {
    const staging = this.#streams.get(stream);
    if (!staging) throw new Error(`no staging table for stream ${stream}`);
    return staging;
  }
}

function valueAt(data: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function* chunks(lines: readonly string[]): Generator<string> {
  let chunk: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    chunk.push(line);
    bytes += line.length;
    if (bytes >= COPY_CHUNK_BYTES) {
      yield chunk.join('');
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}
