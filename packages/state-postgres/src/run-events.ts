/**
 * The events of a run (`run_events`, migration 007): what the engine emitted (masked), numbered from
 * 1, kept so `GET /runs/{id}/events` can replay a run from any point (`?after=<seq>`) and follow it
 * live: each append notifies `RUN_EVENTS_CHANNEL` (listen with `ServiceStore.listen`).
 */
import type pg from 'pg';
import type { RunEventRecord } from './service-records.ts';

/** The channel `appendRunEvents` notifies after each batch, with the run's id as payload. */
export const RUN_EVENTS_CHANNEL = 'sync_run_events';

/** Default most events `listRunEvents` returns at once. */
const DEFAULT_EVENTS_LIMIT = 1000;

/**
 * Appends a batch of a run's events in one statement, then notifies `RUN_EVENTS_CHANNEL` with the run's
 * id (in the same statement: listeners hear of the batch only once it is stored). An empty batch does
 * nothing.
 *
 * @param events each with its number in the run (`seq`, from 1, each number once).
 * @throws Error when the run does not exist, or a number of the batch is stored already; Error from Postgres.
 */
export async function appendRunEvents(
  pool: pg.Pool,
  schema: string,
  runId: string,
  events: readonly { seq: number; event: Record<string, unknown> }[],
): Promise<void> {
  if (events.length === 0) return;
  try {
    // A data-modifying WITH runs whole, before the SELECT that notifies.
    await pool.query(
      `WITH added AS (
         INSERT INTO ${schema}.run_events (run_id, seq, event)
         SELECT $1, e.seq, e.event FROM jsonb_to_recordset($2::jsonb) AS e(seq integer, event jsonb)
         RETURNING seq)
       SELECT pg_notify($3, $1) FROM (SELECT count(*) FROM added) AS batch`,
      [runId, JSON.stringify(events.map(({ seq, event }) => ({ seq, event }))), RUN_EVENTS_CHANNEL],
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '23503') throw new Error(`cannot store events of run ${runId}: no such run in the state store`, { cause: error });
    if (code === '23505') {
      const seqs = events.map((e) => e.seq);
      throw new Error(
        `cannot store events ${Math.min(...seqs)}..${Math.max(...seqs)} of run ${runId}: one of these numbers is stored already ` +
          `(${(error as { detail?: string }).detail ?? 'duplicate key'}); each event of a run is numbered once`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * A run's events in order of `seq`.
 * @param options.after only events numbered above this (default 0: from the first).
 * @param options.limit at most this many; default 1000.
 */
export async function listRunEvents(
  pool: pg.Pool,
  schema: string,
  runId: string,
  options: { after?: number | undefined; limit?: number | undefined } = {},
): Promise<RunEventRecord[]> {
  const { rows } = await pool.query<{ seq: number; at: Date; event: Record<string, unknown> }>(
    `SELECT seq, at, event FROM ${schema}.run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [runId, options.after ?? 0, options.limit ?? DEFAULT_EVENTS_LIMIT],
  );
  return rows.map((row) => ({ seq: row.seq, at: row.at, event: row.event }));
}
