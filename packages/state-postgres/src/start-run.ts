/**
 * The start of a run (`StateStore.startRun`): the pipeline's run lock is taken (run-locks.ts), then a
 * new run is recorded `running`, or a run the API queued (service-store.ts) is taken over.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { connectFrom } from './connection.ts';
import type { RunLocks } from './run-locks.ts';

/**
 * `startRun` was given the id of a run that is not `queued` (a worker took it over already, it was
 * cancelled, or it belongs to another pipeline). The pipeline's lock is not held then.
 */
export class RunNotQueuedError extends Error {
  readonly runId: string;
  readonly pipelineId: string;
  /** The run's status, or undefined when the pipeline has no run with that id. */
  readonly status: string | undefined;

  constructor(runId: string, pipelineId: string, status: string | undefined) {
    super(
      status === undefined
        ? `run ${runId} of pipeline ${JSON.stringify(pipelineId)} is not queued (there is no such run of that pipeline): enqueue a run first`
        : `run ${runId} of pipeline ${JSON.stringify(pipelineId)} is not queued (it is ${status}): another worker took it over, ` +
            'or it was cancelled; skip it',
    );
    this.name = 'RunNotQueuedError';
    this.runId = runId;
    this.pipelineId = pipelineId;
    this.status = status;
  }
}

/** Where `startRun` works: the store's pool, schema, name for messages (`host:port/db`) and run locks. */
export interface StartRunContext {
  pool: pg.Pool;
  schema: string;
  where: string;
  runLocks: RunLocks;
}

/**
 * Takes the pipeline's run lock (marking runs left `running` by a dead process interrupted), then
 * records a new run `running` or, with `runId`, takes over that queued run (`running`, started now).
 * The lock and its connection are held for the run until `finishRun`.
 *
 * @returns the run's id (a new UUID, or `runId`).
 * @throws RunNotQueuedError when `runId` is not a queued run of the pipeline; Error naming the running
 *   run when another run holds the lock; Error naming the queued run when, without `runId`, the API
 *   has a sync of the pipeline queued (`runs_one_active_sync_idx`); Error when the pipeline does not
 *   exist; Error from Postgres. The lock is released whenever it throws.
 */
export async function startRun(context: StartRunContext, pipelineId: string, options: { runId?: string } = {}): Promise<{ id: string }> {
  const { schema, runLocks } = context;
  const id = options.runId ?? randomUUID();
  const client = await connectFrom(context.pool, context.where);
  try {
    const lock = await runLocks.acquire(client, pipelineId);
    try {
      if (options.runId === undefined) {
        // Asked for and started at the same instant: it never queued.
        await client.query(
          `INSERT INTO ${schema}.runs (id, pipeline_id, started_at, created_at) SELECT $1, $2, t, t FROM clock_timestamp() AS t`,
          [id, pipelineId],
        );
      } else {
        const taken = await client.query(
          `UPDATE ${schema}.runs SET status = 'running', started_at = clock_timestamp() WHERE id = $1 AND pipeline_id = $2 AND status = 'queued'`,
          [id, pipelineId],
        );
        if (taken.rowCount === 0) {
          const { rows } = await client.query<{ status: string }>(`SELECT status FROM ${schema}.runs WHERE id = $1 AND pipeline_id = $2`, [id, pipelineId]);
          throw new RunNotQueuedError(id, pipelineId, rows[0]?.status);
        }
      }
    } catch (error) {
      await runLocks.drop(client, lock.key);
      throw await explain(client, schema, pipelineId, error);
    }
    runLocks.hold(id, client, lock);
  } catch (error) {
    client.release();
    throw error;
  }
  return { id };
}

/** The error of a run that could not be recorded, in words: a missing pipeline, a queued API run. */
async function explain(client: pg.PoolClient, schema: string, pipelineId: string, error: unknown): Promise<unknown> {
  const code = (error as { code?: string }).code;
  if (code === '23503') {
    return new Error(`cannot start a run: pipeline ${JSON.stringify(pipelineId)} does not exist (call ensurePipeline first)`);
  }
  if (code !== '23505') return error;
  const { rows } = await client.query<{ id: string; created_at: Date }>(
    `SELECT id, created_at FROM ${schema}.runs WHERE pipeline_id = $1 AND kind = 'sync' AND status = 'queued'`,
    [pipelineId],
  );
  const queued = rows[0];
  if (!queued) return error;
  return new Error(
    `cannot start a run: pipeline ${JSON.stringify(pipelineId)} has run ${queued.id} queued by the API (since ${queued.created_at.toISOString()}): ` +
      'wait for it to finish, or cancel it (POST /runs/{id}/cancel)',
    { cause: error },
  );
}
