/**
 * Deleting a pipeline and everything the store keeps for it (`ServiceStore.deletePipeline`). The
 * audit log keeps its entries: they record what happened, the deletion included.
 */
import type pg from 'pg';
import { ConflictError } from './conflict-error.ts';
import { inTransaction } from './connection.ts';
import { runLockKey } from './run-locks.ts';

/**
 * The tables holding a pipeline's rows, children before their parents (the foreign keys of
 * migrations 001-007): each statement deletes the rows of pipeline `$1`. `run_events` would go with
 * their runs (ON DELETE CASCADE), but are deleted first to say so.
 */
const DELETIONS = [
  'DELETE FROM {s}.webhook_deliveries WHERE pipeline_id = $1',
  'DELETE FROM {s}.run_events WHERE run_id IN (SELECT id FROM {s}.runs WHERE pipeline_id = $1)',
  'DELETE FROM {s}.checkpoints WHERE run_id IN (SELECT id FROM {s}.runs WHERE pipeline_id = $1)',
  'DELETE FROM {s}.stream_states WHERE pipeline_id = $1',
  'DELETE FROM {s}.stream_generations WHERE pipeline_id = $1',
  'DELETE FROM {s}.connector_config_updates WHERE pipeline_id = $1',
  'DELETE FROM {s}.source_catalogs WHERE pipeline_id = $1',
  'DELETE FROM {s}.runs WHERE pipeline_id = $1',
  'DELETE FROM {s}.pipelines WHERE id = $1',
];

/**
 * Deletes a pipeline with its runs, their events and checkpoints, its states, generations, saved
 * connector config, kept catalog and webhook deliveries, in one transaction. The pipeline's row is
 * locked first (a run or delivery being added waits, then finds no pipeline), then its run lock is
 * tried without waiting: held, a run is live. Runs still marked `running` without the lock had their
 * process die, and go with the rest.
 *
 * @returns false when there is no pipeline with that id.
 * @throws ConflictError naming the run (`runId`) when a run of the pipeline is running or queued:
 *   cancel it and wait for its end first; Error from Postgres. Nothing is deleted then.
 */
export async function deletePipeline(pool: pg.Pool, schema: string, where: string, pipelineId: string): Promise<boolean> {
  let deleted = false;
  await inTransaction(pool, where, async (client) => {
    const found = await client.query(`SELECT 1 FROM ${schema}.pipelines WHERE id = $1 FOR UPDATE`, [pipelineId]);
    if (found.rowCount === 0) return;
    const { rows: lock } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [
      String(runLockKey(schema, pipelineId)),
    ]);
    const { rows: active } = await client.query<{ id: string; status: string }>(
      `SELECT id, status FROM ${schema}.runs WHERE pipeline_id = $1 AND status IN (${lock[0]!.locked ? "'queued'" : "'queued', 'running'"})
       ORDER BY status = 'running' DESC, created_at LIMIT 1`,
      [pipelineId],
    );
    const run = active[0];
    if (run) {
      throw new ConflictError(
        `cannot delete pipeline ${JSON.stringify(pipelineId)}: run ${run.id} is ${run.status}; cancel it and wait for it to end, then delete the pipeline`,
        { runId: run.id },
      );
    }
    if (!lock[0]!.locked) {
      throw new ConflictError(`cannot delete pipeline ${JSON.stringify(pipelineId)}: a run of it is starting; try again once it has ended`);
    }
    for (const statement of DELETIONS) await client.query(statement.replaceAll('{s}', schema), [pipelineId]);
    deleted = true;
  });
  return deleted;
}
