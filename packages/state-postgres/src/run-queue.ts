/**
 * Runs the API queues and cancels (`sync serve`): a run is `queued` in `runs` until a worker takes
 * it over with `StateStore.startRun(pipelineId, { runId })`. The unique index
 * `runs_one_active_sync_idx` (migration 007) keeps at most one sync of a pipeline queued or running,
 * whoever started it (the API or `sync run`), without a race between two requests.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConflictError } from './conflict-error.ts';
import { inTransaction } from './connection.ts';
import { runFromRow, type RunRow } from './records.ts';
import { isLockHeld, markInterrupted } from './run-locks.ts';
import type { RunKind, RunRequest, RunTrigger, ServiceRunRecord } from './service-records.ts';

/** The channel `requestCancel` notifies, with the run's id as payload, when a running run is to stop. */
export const RUN_CANCEL_CHANNEL = 'sync_run_cancel';

export interface ServiceRunRow extends RunRow {
  kind: RunKind;
  created_at: Date;
  /** snake_case, as on the wire. */
  request: { full_refresh?: boolean; streams?: string[] };
  cancel_requested_at: Date | null;
  attempt: number;
  trigger: RunTrigger;
  previous_run_id: string | null;
  takeovers: number;
}

export function serviceRunFromRow(row: ServiceRunRow): ServiceRunRecord {
  const { full_refresh: fullRefresh, streams } = row.request;
  return {
    ...runFromRow(row),
    kind: row.kind,
    createdAt: row.created_at,
    request: { ...(fullRefresh !== undefined ? { fullRefresh } : {}), ...(streams !== undefined ? { streams } : {}) },
    ...(row.cancel_requested_at ? { cancelRequestedAt: row.cancel_requested_at } : {}),
    attempt: row.attempt,
    trigger: row.trigger,
    ...(row.previous_run_id ? { previousRunId: row.previous_run_id } : {}),
    takeovers: row.takeovers,
  };
}

/** Attempts of `enqueueRun`: a conflict with a run whose process died clears it, then one more insert. */
const ENQUEUE_ATTEMPTS = 3;

/**
 * Queues a run of the pipeline (`queued`; its start time is its enqueue time until a worker takes it
 * over). A `sync` is refused while another sync of the pipeline is queued or running; a `running` one
 * whose process died (nobody holds the pipeline's run lock) is marked interrupted first, as the next
 * `startRun` would, so that it does not block the pipeline. `webhook` runs queue behind each other.
 *
 * @throws ConflictError naming the queued or running run (`runId`); Error when the pipeline does not
 *   exist; Error from Postgres.
 */
export async function enqueueRun(
  pool: pg.Pool,
  schema: string,
  pipelineId: string,
  kind: RunKind,
  request: RunRequest,
  origin: { trigger?: RunTrigger; attempt?: number; previousRunId?: string } = {},
): Promise<ServiceRunRecord> {
  const wire = {
    ...(request.fullRefresh !== undefined ? { full_refresh: request.fullRefresh } : {}),
    ...(request.streams !== undefined ? { streams: request.streams } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await pool.query<ServiceRunRow>(
        `INSERT INTO ${schema}.runs (id, pipeline_id, status, kind, request, started_at, created_at, trigger, attempt, previous_run_id)
         SELECT $1, $2, 'queued', $3, $4, t, t, $5, $6, $7 FROM clock_timestamp() AS t RETURNING *`,
        [randomUUID(), pipelineId, kind, JSON.stringify(wire), origin.trigger ?? (kind === 'webhook' ? 'webhook' : 'manual'), origin.attempt ?? 1, origin.previousRunId ?? null],
      );
      return serviceRunFromRow(rows[0]!);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '23503') throw new Error(`cannot queue a run: pipeline ${JSON.stringify(pipelineId)} does not exist`, { cause: error });
      if (code !== '23505') throw error;
      const { rows } = await pool.query<{ id: string; status: string; created_at: Date }>(
        `SELECT id, status, created_at FROM ${schema}.runs WHERE pipeline_id = $1 AND kind = 'sync' AND status IN ('queued', 'running')`,
        [pipelineId],
      );
      const active = rows[0];
      if (attempt < ENQUEUE_ATTEMPTS) {
        if (!active) continue; // it ended meanwhile
        if (active.status === 'running' && !(await isLockHeld(pool, schema, pipelineId))) {
          await markInterrupted(pool, schema, pipelineId, active.id);
          continue;
        }
      }
      throw new ConflictError(
        active
          ? `pipeline ${JSON.stringify(pipelineId)} already has run ${active.id} ${active.status} (since ${active.created_at.toISOString()}): ` +
              'wait for it to finish, or cancel it'
          : `pipeline ${JSON.stringify(pipelineId)} already has a run queued or running: try again`,
        { ...(active ? { runId: active.id } : {}), cause: error },
      );
    }
  }
}

/** One run with its queue fields, or undefined when there is no run with that id. */
export async function getServiceRun(pool: pg.Pool, schema: string, runId: string): Promise<ServiceRunRecord | undefined> {
  const { rows } = await pool.query<ServiceRunRow>(`SELECT * FROM ${schema}.runs WHERE id = $1`, [runId]);
  return rows[0] ? serviceRunFromRow(rows[0]) : undefined;
}

/**
 * Runs, newest first (by the time they were asked for: `createdAt`).
 * @param options.pipelineId only this pipeline's runs; all pipelines when omitted.
 * @param options.limit at most this many; default 50.
 */
export async function listServiceRuns(
  pool: pg.Pool,
  schema: string,
  options: { pipelineId?: string | undefined; limit?: number | undefined } = {},
): Promise<ServiceRunRecord[]> {
  const limit = options.limit ?? 50;
  const { rows } =
    options.pipelineId !== undefined
      ? await pool.query<ServiceRunRow>(`SELECT * FROM ${schema}.runs WHERE pipeline_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [
          options.pipelineId,
          limit,
        ])
      : await pool.query<ServiceRunRow>(`SELECT * FROM ${schema}.runs ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
  return rows.map(serviceRunFromRow);
}

/**
 * Cancels a run: a queued one is `cancelled` at once (finished now; no worker takes it over after
 * that); a running one gets `cancel_requested_at` and a notification on `RUN_CANCEL_CHANNEL` (payload:
 * its id) for the worker running it, which stops the connectors and fails the run, recorded then as
 * `cancelled` (`finishRun`). A finished run is left as it is. One statement decides, so a worker
 * taking the run over at the same moment either sees it cancelled or is told to stop.
 *
 * @returns the run after the change, or undefined when there is no run with that id.
 * @throws Error from Postgres.
 */
export async function requestCancel(pool: pg.Pool, schema: string, where: string, runId: string): Promise<ServiceRunRecord | undefined> {
  let changed: ServiceRunRow | undefined;
  await inTransaction(pool, where, async (client) => {
    const { rows } = await client.query<ServiceRunRow>(
      `UPDATE ${schema}.runs SET
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN clock_timestamp() ELSE finished_at END,
         cancel_requested_at = coalesce(cancel_requested_at, clock_timestamp())
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
      [runId],
    );
    changed = rows[0];
    // Sent when this transaction commits: the worker then reads cancel_requested_at set.
    if (changed?.status === 'running') await client.query('SELECT pg_notify($1, $2)', [RUN_CANCEL_CHANNEL, runId]);
  });
  return changed ? serviceRunFromRow(changed) : getServiceRun(pool, schema, runId);
}
