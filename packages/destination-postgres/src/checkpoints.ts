/**
 * The replay guard: the destination remembers, in its own table, every STATE it committed, in the
 * same transaction as the merge of the records before it.
 *
 *   "<schema>"."_sync_checkpoints" (stream, state_hash, batch_hash, record_count, committed_at)
 *
 * What identifies a replay: the same stream (`''` for a GLOBAL or LEGACY state), the same state blob
 * (`stateHash` of @sync/protocol: sha256 of its canonical JSON, stats left out) and the
 * same records before it (sha1 of their data, in order, since the previous STATE of that stream), in
 * the same generation of the stream (configured catalog `generation_id`, which the engine moves on at
 * each full refresh or state reset, so data read again on purpose is applied again).
 * After a crash between a commit and its acknowledgement, the engine resumes the source from the last
 * acknowledged state and the source replays the same records and the same state: the destination
 * then drops the staged batch instead of applying it twice, and acknowledges the state again. So even
 * `append` has no duplicates after a crash. Records that differ (new data since the crash) are a new
 * batch and are applied.
 *
 * The same table answers the engine's `resume_state_hash` (checkpoint-missing in @sync/protocol): a
 * stream resumed from a saved state whose hash is not here lost what that state claims.
 */
import { createHash, type Hash } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from './identifiers.ts';
import { SYNCED_AT_COLUMN } from './tables.ts';

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

/** What tells two batch identities apart (stream, state hash, batch hash), as one string. */
export function identityKey(batch: Pick<BatchIdentity, 'stream' | 'stateHash' | 'batchHash'>): string {
  return `${batch.stream}\n${batch.stateHash}\n${batch.batchHash}`;
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

  /**
   * The identities (`identityKey`) of the batches committed for `streams`, read once when the write
   * starts: it holds the schema's lock, so only it adds more, and it adds them to the set itself.
   */
  async committed(streams: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.#client.query<{ stream: string; state_hash: string; batch_hash: string }>(
      `select stream, state_hash, batch_hash from ${this.#table} where stream = any($1)`,
      [streams],
    );
    return new Set(rows.map((r) => identityKey({ stream: r.stream, stateHash: r.state_hash, batchHash: r.batch_hash })));
  }

  /**
   * Records committed batches (inside the caller's transaction, with their merges), each with its
   * `committedAt` (timestamptz text: its rows' `_synced_at`), or the transaction's `now()`.
   */
  async record(batches: readonly (BatchIdentity & { committedAt?: string | undefined })[]): Promise<void> {
    if (batches.length === 0) return;
    await this.#client.query(
      `insert into ${this.#table} (stream, state_hash, batch_hash, record_count, committed_at)
       select stream, state_hash, batch_hash, record_count, coalesce(committed_at, now())
         from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) as b(stream, state_hash, batch_hash, record_count, committed_at)
       on conflict do nothing`,
      [
        batches.map((b) => b.stream),
        batches.map((b) => b.stateHash),
        batches.map((b) => b.batchHash),
        batches.map((b) => b.recordCount),
        batches.map((b) => b.committedAt ?? null),
      ],
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

/** A stream the engine resumes from a saved STREAM state, and that state's `stateHash` (`resume_state_hash`). */
export interface ResumePoint {
  stream: string;
  stateHash: string;
  /** Quoted, schema-qualified name of the stream's table, which must exist too. */
  table: string;
}

/**
 * The streams of `points` whose checkpoint `schema` does not hold: all of them when the schema or its
 * checkpoint table is gone (dropped, or restored from a backup older than the table), else those
 * whose (stream, state hash) row is missing (truncated, or restored from an older backup) or whose
 * table is gone (dropped by hand: the data the state claims went with it).
 *
 * @returns stream names, in the order of `points`.
 */
export async function missingCheckpoints(client: pg.Client, schema: string, points: readonly ResumePoint[]): Promise<string[]> {
  if (points.length === 0) return [];
  const table = `${quoteIdent(schema)}.${quoteIdent(CHECKPOINTS_TABLE)}`;
  const { rows: exists } = await client.query<{ found: boolean }>(`select to_regclass(${quoteLiteral(table)}) is not null as found`);
  if (!exists[0]?.found) return points.map((p) => p.stream);
  const { rows } = await client.query<{ stream: string }>(
    `select p.stream from unnest($1::text[], $2::text[], $3::text[]) as p(stream, state_hash, stream_table)
      where to_regclass(p.stream_table) is not null
        and exists (select 1 from ${table} c where c.stream = p.stream and c.state_hash = p.state_hash)`,
    [points.map((p) => p.stream), points.map((p) => p.stateHash), points.map((p) => p.table)],
  );
  const held = new Set(rows.map((r) => r.stream));
  return points.filter((p) => !held.has(p.stream)).map((p) => p.stream);
}

/**
 * Removes from an `append` table the batches committed after the checkpoint its stream resumes from
 * (`point`), and their checkpoint rows; runs in the caller's transaction.
 *
 * Why: the engine persists a STATE only once it has read its acknowledgement. When the engine dies
 * between the destination's commit and that moment, the destination holds batches the engine's saved
 * state does not cover, and the source reads them again from that state. The replay guard drops them
 * only when they come back identical (same records, same state), which a source reading ranges in
 * parallel, or data changed in between, does not give; in `append` they would then be stored twice.
 * Taking the table back to the checkpoint the engine resumes from makes the re-read exactly once.
 * (Deduplicated tables need no such step: the re-read upserts by primary key.)
 *
 * Rows are matched to batches by time: a batch's rows get its stamp as `_synced_at` (stamps.ts: its
 * transaction's `now()` plus a microsecond per earlier batch of the same transaction, so the batches
 * of one group commit differ, and always later than the write's previous stamp), and its checkpoint
 * the same `committed_at`. Records committed at the end of input, after the last STATE, have no
 * checkpoint and are kept.
 *
 * @param table quoted, schema-qualified name of the stream's table.
 * @returns the batches and rows removed.
 */
export async function rollBackUnacknowledged(client: pg.Client, schema: string, point: ResumePoint): Promise<{ batches: number; rows: number }> {
  const checkpoints = `${quoteIdent(schema)}.${quoteIdent(CHECKPOINTS_TABLE)}`;
  const { rows } = await client.query<{ batches: number; rows: number }>(
    `with resumed as (select max(id) as id from ${checkpoints} where stream = $1 and state_hash = $2),
          later as (delete from ${checkpoints} c using resumed where c.stream = $1 and c.id > resumed.id returning c.committed_at),
          removed as (delete from ${point.table} t where t.${quoteIdent(SYNCED_AT_COLUMN)} in (select committed_at from later) returning 1)
     select (select count(*) from later)::int as batches, (select count(*) from removed)::int as rows`,
    [point.stream, point.stateHash],
  );
  return rows[0] ?? { batches: 0, rows: 0 };
}
