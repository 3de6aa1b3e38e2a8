/**
 * What the engine tells its caller while a sync runs, and what it returns at the end. The CLI renders
 * events as progress lines; the HTTP API can stream them.
 */
import type { AirbyteStateMessage, AirbyteStreamStatus, ConfiguredAirbyteCatalog, FailureType, LogLevel } from '@sync/protocol';

export type ConnectorRole = 'source' | 'destination';

export type SyncEvent =
  /** The run was recorded in the store; sent before discovery, so early messages can carry the run id. */
  | { type: 'run_created'; runId: string; pipelineId: string }
  | { type: 'run_started'; runId: string; pipelineId: string; catalog: ConfiguredAirbyteCatalog; resumed: string[] }
  | { type: 'log'; role: ConnectorRole; connector: string; level: LogLevel; message: string }
  | { type: 'stderr'; role: ConnectorRole; connector: string; line: string }
  | { type: 'stream_status'; stream: string; status: AirbyteStreamStatus }
  | { type: 'estimate'; stream: string; rows: number }
  /**
   * RECORD messages read from the source so far for a stream; sent at most once per
   * `READ_PROGRESS_INTERVAL_MS` per stream, so a progress view can move between checkpoints.
   */
  | { type: 'records_read'; stream: string; totalRead: number }
  /** A STATE the destination acknowledged and the store persisted. */
  | { type: 'checkpoint'; stream: string; recordsCommitted: number; totalCommitted: number; totalRead: number }
  /** A connector asked (CONTROL message) to change config keys; they were saved for the next runs. */
  | {
      type: 'config_update';
      role: ConnectorRole;
      connector: string;
      keys: string[];
      /** The changed keys and their new values. May hold secrets (a refreshed token): log `keys`, never these. */
      changes: Record<string, unknown>;
    }
  /** Config keys saved by an earlier run were laid over the given config. */
  | { type: 'config_applied'; role: ConnectorRole; connector: string; keys: string[]; savedAt: Date }
  /** Source, engine and destination counts of a checkpoint disagree. */
  | { type: 'count_mismatch'; stream: string; message: string }
  /**
   * Something the user should know that does not fail the run, e.g. streams read again from the
   * beginning because the destination no longer holds what their saved state claims.
   */
  | { type: 'warning'; streams: string[]; message: string };

/** Per-stream outcome of a run. */
export interface StreamResult {
  /** RECORD messages the source emitted for the stream. */
  recordsRead: number;
  /** Records the destination acknowledged as committed (sum of `destinationStats.recordCount`). */
  recordsCommitted: number;
  /** Last STREAM_STATUS seen, lower-cased; `incomplete` when the run failed before COMPLETE. */
  status: 'pending' | 'started' | 'running' | 'complete' | 'incomplete';
  /** Checkpoints of this stream whose source, engine and destination counts disagreed. */
  countMismatches: number;
}

export interface SyncFailure {
  /** One line for the user: what happened, where, what to do. */
  message: string;
  failureType: FailureType;
  /** Which side failed first. */
  origin: ConnectorRole | 'engine';
}

export interface SyncResult {
  runId: string;
  pipelineId: string;
  status: 'succeeded' | 'failed';
  failure?: SyncFailure;
  streams: Record<string, StreamResult>;
  /** Every count disagreement, one line each (see `checkpoint-ledger.ts`). Empty when all agreed. */
  mismatches: string[];
  /** Wall time of the run in milliseconds. */
  durationMs: number;
}

/**
 * Where the engine keeps runs and acknowledged states. `@sync/state-postgres`'s StateStore implements
 * it; the engine needs only this much.
 */
export interface RunStore {
  ensurePipeline(pipeline: { id: string; source: string; destination: string }): Promise<void>;
  startRun(pipelineId: string): Promise<{ id: string }>;
  /**
   * Persists one acknowledged STATE, with the records the engine forwarded for it; must throw when it
   * cannot.
   */
  commitState(runId: string, pipelineId: string, state: AirbyteStateMessage, options?: { recordsForwarded?: number }): Promise<void>;
  /**
   * The generation of each stream (Airbyte `generation_id`), one more for each stream already known
   * when `refresh` (a full refresh reads its data again on purpose).
   */
  streamGenerations(pipelineId: string, streams: readonly string[], options?: { refresh?: boolean }): Promise<Record<string, number>>;
  /** Last acknowledged states, in the shape `read --state FILE` takes. */
  loadState(pipelineId: string): Promise<AirbyteStateMessage[]>;
  finishRun(
    runId: string,
    result: {
      status: 'succeeded' | 'failed';
      error?: string;
      streams: Record<string, { recordsRead: number; recordsCommitted: number; status?: string; countMismatches?: number }>;
    },
  ): Promise<void>;
  /** Keeps config keys a connector changed with a CONTROL message. */
  saveConfigUpdate(
    pipelineId: string,
    role: ConnectorRole,
    update: { connector: string; changes: Record<string, unknown>; runId?: string },
  ): Promise<void>;
  /** Config keys saved for a pipeline's connectors, laid over the given config at the start of a run. */
  loadConfigUpdates(
    pipelineId: string,
  ): Promise<Partial<Record<ConnectorRole, { connector: string; changes: Record<string, unknown>; updatedAt: Date }>>>;
}
