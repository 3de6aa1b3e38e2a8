/**
 * What the engine tells its caller while a sync runs, and what it returns at the end. The CLI renders
 * events as progress lines; the HTTP API can stream them.
 */
import type { ConfiguredAirbyteCatalog, FailureType, LogLevel, StateMessage, StreamStatus } from '@sync/protocol';

export type ConnectorRole = 'source' | 'destination';

export type SyncEvent =
  | { type: 'run_started'; runId: string; pipelineId: string; catalog: ConfiguredAirbyteCatalog; resumed: string[] }
  | { type: 'log'; role: ConnectorRole; connector: string; level: LogLevel; message: string }
  | { type: 'stderr'; role: ConnectorRole; connector: string; line: string }
  | { type: 'stream_status'; stream: string; status: StreamStatus }
  | { type: 'estimate'; stream: string; rows: number }
  /** A STATE the destination acknowledged and the store persisted. */
  | { type: 'checkpoint'; stream: string; recordsCommitted: number; totalCommitted: number; totalRead: number }
  /** A connector asked (CONTROL message) for its config to be replaced. */
  | { type: 'config_update'; role: ConnectorRole; connector: string; config: Record<string, unknown> };

/** Per-stream outcome of a run. */
export interface StreamResult {
  /** RECORD messages the source emitted for the stream. */
  recordsRead: number;
  /** Records the destination acknowledged as committed (sum of `destinationStats.recordCount`). */
  recordsCommitted: number;
  /** Last STREAM_STATUS seen, lower-cased; `incomplete` when the run failed before COMPLETE. */
  status: 'pending' | 'started' | 'running' | 'complete' | 'incomplete';
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
  /** Persists one acknowledged STATE; must throw when it cannot. */
  commitState(runId: string, pipelineId: string, state: StateMessage): Promise<void>;
  /** Last acknowledged states, in the shape `read --state FILE` takes. */
  loadState(pipelineId: string): Promise<StateMessage[]>;
  finishRun(
    runId: string,
    result: {
      status: 'succeeded' | 'failed';
      error?: string;
      streams: Record<string, { recordsRead: number; recordsCommitted: number; status?: string }>;
    },
  ): Promise<void>;
}
