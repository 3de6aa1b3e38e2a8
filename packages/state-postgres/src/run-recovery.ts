/**
 * Runs that go back to the queue (issue 16): a run whose worker died (its process, and so its
 * connection and the pipeline's run lock, are gone) or stopped on SIGTERM is `queued` again, with
 * `takeovers` + 1, for another worker to take over with `startRun(pipeline, {runId})`; it resumes from
 * its pipeline's last acknowledged state, as any run does. And a pipeline's schedule and limits.
 */
import type pg from 'pg';
import { runLockKey } from './run-locks.ts';
import { serviceRunFromRow, type ServiceRunRow } from './run-queue.ts';
import type { PipelineSchedule, ServiceRunRecord } from './service-records.ts';

/** pg_locks holds an advisory lock on `key` (as `pg_try_advisory_lock(bigint)` takes it), in this database. */
const LOCK_HELD = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
  AND classid = (($KEY::bigint >> 32) & 4294967295)::oid AND objid = ($KEY::bigint & 4294967295)::oid AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

/**
 * `running` runs whose pipeline's run lock nobody holds: their process died (a SIGKILL, a lost
 * machine). Each is a candidate for `requeueRun`.
 */
export async function findDeadRuns(pool: pg.Pool, schema: string): Promise<{ id: string; pipelineId: string }[]> {
  const { rows } = await pool.query<{ id: string; pipeline_id: string }>(`SELECT id, pipeline_id FROM ${schema}.runs WHERE status = 'running'`);
  const dead: { id: string; pipelineId: string }[] = [];
  for (const row of rows) {
    const { rows: held } = await pool.query<{ held: boolean }>(`SELECT ${LOCK_HELD.replaceAll('$KEY', '$1')} AS held`, [runLockKey(schema, row.pipeline_id).toString()]);
    if (!held[0]!.held) dead.push({ id: row.id, pipelineId: row.pipeline_id });
  }
  return dead;
}

/**
 * Puts a run back in the queue: a `running` one only while nobody holds its pipeline's lock (its
 * worker died; checked in the same statement, so two workers cannot both requeue it, nor requeue a run
 * a live worker just took over), or a `failed` one its worker released on purpose (`from: 'failed'`).
 *
 * @returns the run, queued again, or undefined when it was not in that state.
 */
export async function requeueRun(pool: pg.Pool, schema: string, runId: string, from: 'dead' | 'released'): Promise<ServiceRunRecord | undefined> {
  const condition = from === 'dead' ? `status = 'running' AND NOT ${LOCK_HELD.replaceAll('$KEY', '$2')}` : `status = 'failed' AND cancel_requested_at IS NULL`;
  const { rows: runs } = await pool.query<{ pipeline_id: string }>(`SELECT pipeline_id FROM ${schema}.runs WHERE id = $1`, [runId]);
  if (!runs[0]) return undefined;
  const { rows } = await pool.query<ServiceRunRow>(
    `UPDATE ${schema}.runs SET status = 'queued', finished_at = NULL, error = NULL, takeovers = takeovers + 1
     WHERE id = $1 AND ${condition} RETURNING *`,
    [runId, ...(from === 'dead' ? [runLockKey(schema, runs[0].pipeline_id).toString()] : [])],
  );
  return rows[0] ? serviceRunFromRow(rows[0]) : undefined;
}

/** The highest event number of a run (0: none), so a run taken over numbers its events on. */
export async function lastRunEventSeq(pool: pg.Pool, schema: string, runId: string): Promise<number> {
  const { rows } = await pool.query<{ seq: number | null }>(`SELECT max(seq) AS seq FROM ${schema}.run_events WHERE run_id = $1`, [runId]);
  return rows[0]?.seq ?? 0;
}

/**
 * Records how many records of each stream a running run has read so far (`runs.streams.*.records_read`),
 * so `GET /runs/{id}` shows progress between checkpoints; `finishRun` writes the final figures.
 */
export async function setRecordsRead(pool: pg.Pool, schema: string, runId: string, totals: Record<string, number>): Promise<void> {
  if (Object.keys(totals).length === 0) return;
  await pool.query(
    `UPDATE ${schema}.runs r SET streams = r.streams || (
       SELECT jsonb_object_agg(t.key, coalesce(r.streams -> t.key, '{}'::jsonb) || jsonb_build_object('records_read', t.value::bigint))
       FROM jsonb_each_text($2::jsonb) AS t)
     WHERE r.id = $1 AND r.status = 'running'`,
    [runId, JSON.stringify(totals)],
  );
}

/** Replaces a finished run's error (e.g. to say it stopped at its time limit and which run continues it). */
export async function setRunError(pool: pg.Pool, schema: string, runId: string, error: string): Promise<void> {
  await pool.query(`UPDATE ${schema}.runs SET error = $2 WHERE id = $1 AND finished_at IS NOT NULL`, [runId, error]);
}

/** What `setPipelineOperations` changes; parts left out are kept, `null` clears. */
export interface OperationsPatch {
  schedule?: PipelineSchedule | null;
  maxAttempts?: number;
  maxDurationSeconds?: number | null;
}

/**
 * Sets a pipeline's schedule and limits. Clearing the schedule clears `next_run_at`.
 * @returns false when there is no such pipeline.
 */
export async function setPipelineOperations(pool: pg.Pool, schema: string, pipelineId: string, patch: OperationsPatch): Promise<boolean> {
  const schedule = patch.schedule ? JSON.stringify({ cron: patch.schedule.cron, timezone: patch.schedule.timezone, jitter_seconds: patch.schedule.jitterSeconds }) : null;
  const { rowCount } = await pool.query(
    `UPDATE ${schema}.pipelines SET
       schedule = CASE WHEN $2 THEN $3::jsonb ELSE schedule END,
       next_run_at = CASE WHEN $2 AND $3::jsonb IS NULL THEN NULL ELSE next_run_at END,
       max_attempts = coalesce($4, max_attempts),
       max_duration_seconds = CASE WHEN $5 THEN $6::integer ELSE max_duration_seconds END,
       updated_at = now()
     WHERE id = $1`,
    [pipelineId, patch.schedule !== undefined, schedule, patch.maxAttempts ?? null, patch.maxDurationSeconds !== undefined, patch.maxDurationSeconds ?? null],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Pipelines whose scheduled tick is more than `graceMs` overdue: their tick's job was lost (the
 * worker running it died while holding it) or waits for a free worker.
 */
export async function overdueSchedules(pool: pg.Pool, schema: string, graceMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM ${schema}.pipelines WHERE schedule IS NOT NULL AND next_run_at < clock_timestamp() - $1 * interval '1 millisecond' ORDER BY id`,
    [graceMs],
  );
  return rows.map((row) => row.id);
}

/** Records when the pipeline's next scheduled run is due (null: none). */
export async function setNextRunAt(pool: pg.Pool, schema: string, pipelineId: string, at: Date | null): Promise<void> {
  await pool.query(`UPDATE ${schema}.pipelines SET next_run_at = $2 WHERE id = $1`, [pipelineId, at]);
}
