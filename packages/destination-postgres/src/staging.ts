/**
 * Staging: records are buffered in memory, copied in batches (COPY FROM STDIN) into one temporary
 * staging table per stream, and merged into the stream's table in one transaction on `commit()`.
 *
 * Nothing reaches a destination table before `commit()`, so a failure or a crash between two
 * commits leaves the destination as of the last commit (temporary tables vanish with the session).
 * Memory holds at most `batchSize` records (and about `maxBufferBytes`) whatever comes between two
 * commits; the staging tables take the rest.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConfigError } from '@sync/protocol';
import { pathLiteral, quoteIdent } from './identifiers.ts';
import { RAW_DATA_COLUMN, SYNCED_AT_COLUMN, type StreamTable } from './tables.ts';

/** Default bound on buffered record bytes (JSON text) before a flush: 32 MiB. */
export const DEFAULT_MAX_BUFFER_BYTES = 32 * 1024 * 1024;

/** Size of the chunks written to a COPY stream, in bytes. */
const COPY_CHUNK_BYTES = 1024 * 1024;

interface Staging {
  table: StreamTable;
  /** Quoted name of the temporary staging table. */
  stagingName: string;
  /** COPY text-format lines (`seq\tjson\n`) not yet copied. */
  buffered: string[];
  /** Rows copied into the staging table since the last commit. */
  staged: number;
}

export interface StagerOptions {
  /** Records held in memory before a flush into the staging tables. */
  batchSize: number;
  /** Bytes of record JSON held in memory before a flush. Default 32 MiB. */
  maxBufferBytes?: number;
}

export class Stager {
  readonly #client: pg.Client;
  readonly #streams = new Map<string, Staging>();
  readonly #batchSize: number;
  readonly #maxBufferBytes: number;
  #bufferedRecords = 0;
  #bufferedBytes = 0;
  /** Arrival order of records, so that the last of two equal versions wins. */
  #seq = 0;

  constructor(client: pg.Client, tables: Iterable<StreamTable>, options: StagerOptions) {
    this.#client = client;
    this.#batchSize = options.batchSize;
    this.#maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    let index = 0;
    for (const table of tables) {
      this.#streams.set(table.stream, { table, stagingName: `pg_temp.${quoteIdent(`_sync_staging_${index++}`)}`, buffered: [], staged: 0 });
    }
  }

  /** Creates the temporary staging tables (one per stream, dropped when the connection closes). */
  async createStagingTables(): Promise<void> {
    for (const { stagingName } of this.#streams.values()) {
      await this.#client.query(`create temporary table if not exists ${stagingName} (seq bigint not null, data jsonb not null)`);
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
    // COPY text format: JSON.stringify escapes every control character, so only backslashes need escaping.
    const line = `${this.#seq++}\t${JSON.stringify(data).replaceAll('\\', '\\\\')}\n`;
    staging.buffered.push(line);
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
      const copy = this.#client.query(copyFrom(`copy ${staging.stagingName} (seq, data) from stdin`));
      await pipeline(Readable.from(chunks(lines)), copy);
      staging.staged += lines.length;
    }
    this.#bufferedRecords = 0;
    this.#bufferedBytes = 0;
  }

  /**
   * Durably commits every record added so far: flushes, then in one transaction merges each staging
   * table into its stream's table and empties it.
   *
   * @returns the number of records committed.
   */
  async commit(): Promise<number> {
    await this.flush();
    const pending = [...this.#streams.values()].filter((s) => s.staged > 0);
    if (pending.length === 0) return 0;
    let committed = 0;
    try {
      await this.#client.query('begin');
      for (const staging of pending) {
        await this.#client.query(mergeSql(staging.table, staging.stagingName));
        await this.#client.query(`truncate ${staging.stagingName}`);
        committed += staging.staged;
      }
      await this.#client.query('commit');
    } catch (error) {
      await this.#client.query('rollback').catch(() => {});
      throw error;
    }
    for (const staging of pending) staging.staged = 0;
    return committed;
  }
}

/**
 * The statement moving a staging table into its stream's table.
 *
 * With a primary key: one row per key (`distinct on`, so duplicates within a batch never hit
 * "ON CONFLICT DO UPDATE command cannot affect row a second time"), keeping the highest cursor value
 * and, among equals, the last received; then an upsert that replaces a stored row only when the
 * incoming cursor is >= the stored one (a missing cursor counts as JSON null, the lowest value).
 * Without a cursor the last received version wins. Without a primary key, rows are appended.
 */
export function mergeSql(table: StreamTable, stagingName: string): string {
  const raw = quoteIdent(RAW_DATA_COLUMN);
  const syncedAt = quoteIdent(SYNCED_AT_COLUMN);
  if (table.primaryKey.length === 0) {
    return `insert into ${table.qualifiedName} (${raw}, ${syncedAt}) select data, now() from ${stagingName} order by seq`;
  }
  const keyColumns = table.primaryKey.map((k) => quoteIdent(k.column)).join(', ');
  const keyValues = table.primaryKey.map((k) => `data #>> ${pathLiteral(k.path)}`).join(', ');
  const cursor = (source: string) =>
    table.cursorPath ? `coalesce(${source} #> ${pathLiteral(table.cursorPath)}, 'null'::jsonb)` : undefined;
  const newest = [cursor('data') ? `${cursor('data')} desc` : undefined, 'seq desc'].filter(Boolean).join(', ');
  const newerWins = table.cursorPath ? ` where ${cursor(`excluded.${raw}`)} >= ${cursor(`target.${raw}`)}` : '';
  return (
    `insert into ${table.qualifiedName} as target (${keyColumns}, ${raw}, ${syncedAt}) ` +
    `select distinct on (${keyValues}) ${keyValues}, data, now() from ${stagingName} ` +
    `order by ${keyValues}, ${newest} ` +
    `on conflict (${keyColumns}) do update set ${raw} = excluded.${raw}, ${syncedAt} = excluded.${syncedAt}${newerWins}`
  );
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
