/**
 * The statements that persist a burst of acknowledged STATEs in the caller's transaction
 * (`StateStore.commitStates`): three statements whatever the number of states.
 */
import type pg from 'pg';
import type { AirbyteStateMessage } from '@sync/protocol';
import { committedCount, stateKey } from './state-key.ts';

/**
 * Adds the states' committed counts to the run's streams, upserts the last state of each stream into
 * `stream_states` and appends one `checkpoints` row per state, in order. `assertHeld` runs after the
 * run's row is locked.
 *
 * @throws Error when the run is not `running` (finished, unknown, or of another pipeline), or from
 *   `assertHeld` and Postgres; the caller's transaction then keeps nothing.
 */
export async function writeCheckpoints(
  client: pg.ClientBase,
  schema: string,
  runId: string,
  pipelineId: string,
  checkpoints: readonly { state: AirbyteStateMessage; recordsForwarded?: number | undefined }[],
  assertHeld: () => Promise<void>,
): Promise<void> {
  const rows = checkpoints.map(({ state, recordsForwarded }) => ({ state, recordsForwarded, key: stateKey(state) }));
  const committed: Record<string, number> = {};
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    committed[row.key.stream] = (committed[row.key.stream] ?? 0) + committedCount(row.key, row.recordsForwarded);
    latest.set(JSON.stringify([row.key.stream, row.key.namespace]), row);
  }
  const run = await client.query(
    `UPDATE ${schema}.runs AS r
     SET streams = r.streams || (
       SELECT jsonb_object_agg(e.stream, coalesce(r.streams -> e.stream, '{}'::jsonb) || jsonb_build_object('records_committed',
         coalesce((r.streams -> e.stream ->> 'records_committed')::bigint, 0) + e.value::bigint))
       FROM jsonb_each_text($3::jsonb) AS e(stream, value))
     WHERE id = $1 AND pipeline_id = $2 AND status = 'running'
     RETURNING id`,
    [runId, pipelineId, JSON.stringify(committed)],
  );
  if (run.rowCount === 0) {
    const { rows: found } = await client.query<{ status: string; error: string | null }>(
      `SELECT status, error FROM ${schema}.runs WHERE id = $1 AND pipeline_id = $2`,
      [runId, pipelineId],
    );
    const finished = found[0];
    throw new Error(
      finished
        ? `cannot commit state: run ${runId} of pipeline ${JSON.stringify(pipelineId)} already finished (${finished.status}${finished.error ? `: ${finished.error}` : ''})`
        : `cannot commit state: no run ${runId} of pipeline ${JSON.stringify(pipelineId)} in the state store`,
    );
  }
  // After the run's row is locked by the UPDATE: a new run marks this one interrupted only once
  // this transaction ends, so either these checkpoints are in before the new run loads state, or they fail.
  await assertHeld();
  const states = [...latest.values()].map((r) => ({ stream: r.key.stream, namespace: r.key.namespace, state: r.state }));
  await client.query(
    `INSERT INTO ${schema}.stream_states (pipeline_id, stream, namespace, state, run_id)
     SELECT $1, s.stream, s.namespace, s.state, $3 FROM jsonb_to_recordset($2::jsonb) AS s(stream text, namespace text, state jsonb)
     ON CONFLICT (pipeline_id, stream, namespace)
     DO UPDATE SET state = excluded.state, run_id = excluded.run_id, updated_at = now()`,
    [pipelineId, JSON.stringify(states), runId],
  );
  const points = rows.map((r) => ({
    stream: r.key.stream,
    namespace: r.key.namespace,
    source: r.key.sourceRecordCount ?? null,
    destination: r.key.destinationRecordCount ?? null,
    forwarded: r.recordsForwarded ?? null,
  }));
  await client.query(
    `INSERT INTO ${schema}.checkpoints
       (run_id, stream, namespace, source_record_count, destination_record_count, records_forwarded)
     SELECT $1, p.stream, p.namespace, p.source, p.destination, p.forwarded
     FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (stream text, namespace text, source bigint, destination bigint, forwarded bigint))
       WITH ORDINALITY AS p(stream, namespace, source, destination, forwarded, n)
     ORDER BY p.n`,
    [runId, JSON.stringify(points)],
  );
}
