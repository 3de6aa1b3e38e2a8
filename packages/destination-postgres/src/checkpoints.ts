/**
 * The replay guard: the destination remembers, in its own table, every STATE it committed, in the
 * same transaction as the merge of the records before it.
 *
 *   "<schema>"."_sync_checkpoints" (stream, state_hash, batch_hash, record_count, committed_at)
 *
 * What identifies a replay: the same stream (`''` for a GLOBAL or LEGACY state), the same state blob
 * (sha256 of its canonical JSON: keys sorted, `sourceStats` and `destinationStats` left out) and the
 * same records before it (sha1 of their data, in order, since the previous STATE of that stream), in
 * the same generation of the stream (configured catalog `generation_id`, which the engine moves on at
 * each full refresh or state reset, so data read again on purpose is applied again).
 * After a crash between a commit and its acknowledgement, the engine resumes the source from the last
 * acknowledged state and the source replays the same records and the same state: the destination
 * then drops the staged batch instead of applying it twice, and acknowledges the state again. So even
 * `append` has no duplicates after a crash. Records that differ (new data since the crash) are a new
 * batch and are applied.
 */
import { createHash, type Hash } from 'node:crypto';
import type pg from 'pg';
import type { StateMessage } from '@sync/protocol';
import { quoteIdent } from './identifiers.ts';

export const CHECKPOINTS_TABLE = '_sync_checkpoints';

/** Checkpoints kept per stream; older ones can no longer be replayed (the engine has acknowledged them). */
const KEPT_PER_STREAM = 1000;

/** DDL of the checkpoint table in `schema` (idempotent). */
export function CHECKPOINTS_TABLE_SQL(schema: string): string {
  return (
    `create table if not exists ${quoteIdent(schema)}.${quoteIdent(CHECKPOINTS_TABLE)} (` +
    'id bigserial not null, stream text not null, state_hash text not null, batch_hash text not null, ' +
    'record_count bigint not null, committed_at timestamptz not null default now(), ' +
    'primary key (stream, state_hash, batch_hash))'
  );
}

/** The identity of one batch: what a replay must repeat exactly. */
export interface BatchIdentity {
  /** The STATE's stream, `''` for a GLOBAL or LEGACY state. */
  stream: string;
  stateHash: string;
  batchHash: string;
  recordCount: number;
}

/**
 * sha256 of the state blob of a STATE, in canonical JSON, without its stats, and of the generations of
 * the streams it closes (configured catalog `generation_id`; generation 0 or none hashes the blob
 * alone).
 */
export function stateHash(state: StateMessage, generations: readonly number[] = []): string {
  const { sourceStats: _source, destinationStats: _destination, ...blob } = state;
  const hash = createHash('sha256').update(canonicalJson(blob));
  if (generations.some((g) => g !== 0)) hash.update(`\ngenerations:${generations.join(',')}`);
  return hash.digest('hex');
}

/** JSON with object keys sorted at every level, so that equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** A running sha1 of the records of one batch; `digest()` returns it and starts the next batch. */
export class BatchDigest {
  #hash: Hash = createHash('sha1');

  update(text: string): void {
    this.#hash.update(text);
  }

  digest(): string {
    const result = this.#hash.digest('hex');
    this.#hash = createHash('sha1');
    return result;
  }
}

/** The checkpoint table and its queries, for one schema. Callers own the transaction. */
export class Checkpoints {
  readonly #client: pg.Client;
  readonly #table: string;

  constructor(client: pg.Client, schema: string) {
    this.#client = client;
    this.#table = `${quoteIdent(schema)}.${quoteIdent(CHECKPOINTS_TABLE)}`;
  }

  /** True when this exact batch was committed before: its STATE is a replay. */
  async isCommitted(batch: BatchIdentity): Promise<boolean> {
    const { rowCount } = await this.#client.query(
      `select 1 from ${this.#table} where stream = $1 and state_hash = $2 and batch_hash = $3`,
      [batch.stream, batch.stateHash, batch.batchHash],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Records a committed batch (inside the caller's transaction, with the merge). */
  async record(batch: BatchIdentity): Promise<void> {
    await this.#client.query(
      `insert into ${this.#table} (stream, state_hash, batch_hash, record_count) values ($1, $2, $3, $4) on conflict do nothing`,
      [batch.stream, batch.stateHash, batch.batchHash, batch.recordCount],
    );
  }

  /** Forgets all but the newest checkpoints of each of `streams`. */
  async prune(streams: readonly string[]): Promise<void> {
    await this.#client.query(
      `delete from ${this.#table} c using (
         select id from (select id, row_number() over (partition by stream order by id desc) as n
                           from ${this.#table} where stream = any($1)) ranked where n > $2) old
        where c.id = old.id`,
      [streams, KEPT_PER_STREAM],
    );
  }
}
