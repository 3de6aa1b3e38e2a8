/**
 * What the state store returns about runs and checkpoints (camelCase here, snake_case in the
 * tables), and the mapping from table rows. The per-stream counts (`RunStreamStats`) are the engine's
 * (`@sync/engine` run-store.ts), since the engine writes them.
 */
import type { RunStreamStats } from '@sync/engine';

/**
 * Where a run is: `queued` (asked for through the API, waiting for a worker), `running`, then
 * `succeeded`, `failed` or `cancelled` (cancelled while queued, or stopped after a cancel).
 */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One run of a pipeline, as stored in `runs`. */
export interface RunRecord {
  id: string;
  pipelineId: string;
  status: RunStatus;
  /** When it started running; for a `queued` run, when it was queued (until a worker takes it over). */
  startedAt: Date;
  /** When `finishRun` was called (or a queued run was cancelled); undefined while queued or running. */
  finishedAt?: Date;
  /** Why the run failed, for a user. */
  error?: string;
  /**
   * Stream name → counts. `recordsCommitted` grows with every `commitState`; `finishRun` sets the
   * final figures. A GLOBAL or LEGACY state's counts are kept under the key `''`.
   */
  streams: Record<string, RunStreamStats>;
}

/** One acknowledged STATE, as stored in `checkpoints`. */
export interface CheckpointRecord {
  id: number;
  runId: string;
  /** Stream name, or `''` for a GLOBAL or LEGACY state. */
  stream: string;
  namespace: string;
  sourceRecordCount?: number;
  destinationRecordCount?: number;
  /** Records the engine passed from source to destination for this checkpoint. */
  recordsForwarded?: number;
  committedAt: Date;
}

/** A row of `runs`. */
export interface RunRow {
  id: string;
  pipeline_id: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
  streams: Record<string, { records_read?: number; records_committed?: number; status?: string; count_mismatches?: number }>;
}

export function runFromRow(row: RunRow): RunRecord {
  const streams: Record<string, RunStreamStats> = {};
  for (const [name, s] of Object.entries(row.streams)) {
    streams[name] = {
      recordsRead: s.records_read ?? 0,
      recordsCommitted: s.records_committed ?? 0,
      ...(s.status ? { status: s.status } : {}),
      ...(s.count_mismatches ? { countMismatches: s.count_mismatches } : {}),
    };
  }
  return {
    id: row.id,
    pipelineId: row.pipeline_id,
    status: row.status,
    startedAt: row.started_at,
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    streams,
  };
}

/** A row of `checkpoints` (bigint columns arrive as strings from pg). */
export interface CheckpointRow {
  id: string;
  run_id: string;
  stream: string;
  namespace: string;
  source_record_count: string | null;
  destination_record_count: string | null;
  records_forwarded: string | null;
  committed_at: Date;
}

export function checkpointFromRow(row: CheckpointRow): CheckpointRecord {
  return {
    id: Number(row.id),
    runId: row.run_id,
    stream: row.stream,
    namespace: row.namespace,
    ...(row.source_record_count !== null ? { sourceRecordCount: Number(row.source_record_count) } : {}),
    ...(row.destination_record_count !== null ? { destinationRecordCount: Number(row.destination_record_count) } : {}),
    ...(row.records_forwarded !== null ? { recordsForwarded: Number(row.records_forwarded) } : {}),
    committedAt: row.committed_at,
  };
}
