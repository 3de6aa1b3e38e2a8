/**
 * Run history, as the CLI reads it: runs newest first, one run, a run's checkpoints. Read-only
 * queries over the `runs` and `checkpoints` tables; `StateStore` delegates its `getRun`, `listRuns`
 * and `listCheckpoints` here.
 */
import type pg from 'pg';
import { checkpointFromRow, runFromRow, type CheckpointRecord, type CheckpointRow, type RunRecord, type RunRow } from './records.ts';

/** One run, or undefined when there is no run with that id. */
export async function getRun(pool: pg.Pool, schema: string, runId: string): Promise<RunRecord | undefined> {
  const result = await pool.query<RunRow>(`SELECT * FROM ${schema}.runs WHERE id = $1`, [runId]);
  const row = result.rows[0];
  return row ? runFromRow(row) : undefined;
}

/**
 * Runs, newest first (by start time).
 * @param options.pipelineId only this pipeline's runs; all pipelines when omitted.
 * @param options.limit at most this many; default 50.
 */
export async function listRuns(pool: pg.Pool, schema: string, options: { pipelineId?: string; limit?: number } = {}): Promise<RunRecord[]> {
  const limit = options.limit ?? 50;
  const result = options.pipelineId
    ? await pool.query<RunRow>(
        `SELECT * FROM ${schema}.runs WHERE pipeline_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
        [options.pipelineId, limit],
      )
    : await pool.query<RunRow>(`SELECT * FROM ${schema}.runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]);
  return result.rows.map(runFromRow);
}

/** The checkpoints (acknowledged STATEs) of a run, in commit order. */
export async function listCheckpoints(pool: pg.Pool, schema: string, runId: string): Promise<CheckpointRecord[]> {
  const result = await pool.query<CheckpointRow>(`SELECT * FROM ${schema}.checkpoints WHERE run_id = $1 ORDER BY id`, [runId]);
  return result.rows.map(checkpointFromRow);
}
