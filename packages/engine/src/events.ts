/**
 * What the engine tells its caller while a sync runs, and what it returns at the end. The CLI renders
 * events as progress lines; the HTTP API can stream them.
 */
import type { AirbyteStreamStatus, ConfiguredAirbyteCatalog, FailureType, LogLevel } from '@sync/protocol';
import type { ConnectorRole } from './connector-command.ts';

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
