/**
 * The generation of each stream of a pipeline (Airbyte `generation_id`, `stream_generations`,
 * `StateStore.streamGenerations`).
 */
import type pg from 'pg';

/**
 * The generation of each of `streams`, creating it at 0 for a stream seen for the first time. With
 * `refresh`, the streams that already had one move to the next generation first: their data is
 * about to be read again on purpose.
 *
 * @returns stream name → generation id.
 * @throws Error from Postgres.
 */
export async function streamGenerations(
  pool: pg.Pool,
  schema: string,
  pipelineId: string,
  streams: readonly string[],
  options: { refresh?: boolean } = {},
): Promise<Record<string, number>> {
  // One statement (issue 13: a run's start waited on four round trips here). With refresh, the
  // upsert returns every stream's new generation. Without, the inserted rows come from the insert
  // and the others from the statement's snapshot; a row another session inserts meanwhile is in
  // neither, so a stream still missing is read once more (as the two statements of a transaction
  // did).
  const table = `${schema}.stream_generations`;
  const names = [...streams];
  const sql = options.refresh
    ? `INSERT INTO ${table} (pipeline_id, stream) SELECT DISTINCT $1, unnest($2::text[])
       ON CONFLICT (pipeline_id, stream) DO UPDATE SET generation_id = stream_generations.generation_id + 1, updated_at = now()
       RETURNING stream, generation_id`
    : `WITH inserted AS (
         INSERT INTO ${table} (pipeline_id, stream) SELECT $1, unnest($2::text[]) ON CONFLICT (pipeline_id, stream) DO NOTHING
         RETURNING stream, generation_id)
       SELECT stream, generation_id FROM inserted
       UNION ALL SELECT stream, generation_id FROM ${table} WHERE pipeline_id = $1 AND stream = ANY($2::text[])`;
  const generations: Record<string, number> = {};
  const result = await pool.query<{ stream: string; generation_id: string }>(sql, [pipelineId, names]);
  for (const row of result.rows) generations[row.stream] = Number(row.generation_id);
  const missing = names.filter((name) => generations[name] === undefined);
  if (missing.length > 0) {
    const again = await pool.query<{ stream: string; generation_id: string }>(
      `SELECT stream, generation_id FROM ${table} WHERE pipeline_id = $1 AND stream = ANY($2::text[])`,
      [pipelineId, missing],
    );
    for (const row of again.rows) generations[row.stream] = Number(row.generation_id);
  }
  return generations;
}
