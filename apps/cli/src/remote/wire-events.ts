/**
 * A run's events as `sync serve` streams them (`GET /runs/{id}/events`: snake_case, one JSON object a
 * line; packages/server/src/wire.ts `eventForWire`) turned back into the engine's `SyncEvent`s, so
 * that `sync run --server` feeds the same log and progress view as a local run, and its final
 * `run_finished` into the `SyncResult` the summary prints.
 *
 * What the wire leaves out is filled in: `run_started` carries stream names and modes, not their
 * schemas (the view needs only names); `config_update` carries the changed keys, never their values.
 * Events of a type this CLI does not know are skipped, so a newer server still works.
 */
import type { ConnectorRole, StreamResult, SyncEvent, SyncResult } from '@sync/engine';
import type { ConfiguredAirbyteStream, FailureType, LogLevel } from '@sync/protocol';

/** One event line as the server sends it. */
export type WireEvent = { seq: number; at: string; type: string } & Record<string, unknown>;

const str = (event: WireEvent, key: string): string => String(event[key] ?? '');
const num = (event: WireEvent, key: string): number => Number(event[key] ?? 0);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

const role = (event: WireEvent): ConnectorRole => (event.role === 'destination' ? 'destination' : 'source');
const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const STATUSES = ['STARTED', 'RUNNING', 'COMPLETE', 'INCOMPLETE'] as const;
const STREAM_RESULT_STATUSES: readonly StreamResult['status'][] = ['pending', 'started', 'running', 'complete', 'incomplete'];
const FAILURE_TYPES: readonly FailureType[] = ['system_error', 'config_error', 'transient_error'];
const ORIGINS = ['source', 'destination', 'engine'] as const;

/** How the run ended, from its `run_finished` event. */
export interface RemoteOutcome {
  /** The result the log, the view and the summary take (a cancelled run is `failed`, as a local run stopped with Ctrl-C). */
  result: SyncResult;
  /** The server's status: `cancelled` apart from `failed`. */
  status: 'succeeded' | 'failed' | 'cancelled';
}

/** Converts one run's events, in order; keeps what `run_finished` leaves out (the count mismatches). */
export class WireEventReader {
  readonly #runId: string;
  readonly #pipelineId: string;
  readonly #mismatches: string[] = [];
  readonly #mismatchesByStream = new Map<string, number>();

  constructor(runId: string, pipelineId: string) {
    this.#runId = runId;
    this.#pipelineId = pipelineId;
  }

  /** The engine event for `event`; undefined for `run_finished` (see `outcome`) and types not known here. */
  syncEvent(event: WireEvent): SyncEvent | undefined {
    switch (event.type) {
      case 'run_created':
        return { type: 'run_created', runId: str(event, 'run_id') || this.#runId, pipelineId: str(event, 'pipeline_id') || this.#pipelineId };
      case 'run_started': {
        const streams = Array.isArray(event.streams) ? (event.streams as Record<string, unknown>[]) : [];
        return {
          type: 'run_started',
          runId: this.#runId,
          pipelineId: this.#pipelineId,
          resumed: strings(event.resumed),
          catalog: {
            streams: streams.map(
              (s): ConfiguredAirbyteStream => ({
                stream: { name: String(s.name), json_schema: {}, supported_sync_modes: [s.sync_mode === 'incremental' ? 'incremental' : 'full_refresh'] },
                sync_mode: s.sync_mode === 'incremental' ? 'incremental' : 'full_refresh',
                destination_sync_mode: s.destination_sync_mode === 'append' || s.destination_sync_mode === 'overwrite' || s.destination_sync_mode === 'update' ? s.destination_sync_mode : 'append_dedup',
              }),
            ),
          },
        };
      }
      case 'log': {
        const level = LEVELS.find((l) => l === event.level) ?? 'INFO';
        return { type: 'log', role: role(event), connector: str(event, 'connector'), level, message: str(event, 'message') };
      }
      case 'stderr':
        return { type: 'stderr', role: role(event), connector: str(event, 'connector'), line: str(event, 'line') };
      case 'stream_status': {
        const status = STATUSES.find((s) => s === event.status);
        return status ? { type: 'stream_status', stream: str(event, 'stream'), status } : undefined;
      }
      case 'estimate':
        return { type: 'estimate', stream: str(event, 'stream'), rows: num(event, 'rows') };
      case 'records_read':
        return { type: 'records_read', stream: str(event, 'stream'), totalRead: num(event, 'total_read') };
      case 'checkpoint':
        return {
          type: 'checkpoint',
          stream: str(event, 'stream'),
          recordsCommitted: num(event, 'records_committed'),
          totalCommitted: num(event, 'total_committed'),
          totalRead: num(event, 'total_read'),
        };
      case 'config_update':
        return { type: 'config_update', role: role(event), connector: str(event, 'connector'), keys: strings(event.keys), changes: {} };
      case 'config_applied': {
        // When the saved keys were saved; a server that sent no valid time gives the event's own.
        const savedAt = new Date(typeof event.saved_at === 'string' ? event.saved_at : event.at);
        return { type: 'config_applied', role: role(event), connector: str(event, 'connector'), keys: strings(event.keys), savedAt };
      }
      case 'count_mismatch': {
        const stream = str(event, 'stream');
        this.#mismatches.push(str(event, 'message'));
        this.#mismatchesByStream.set(stream, (this.#mismatchesByStream.get(stream) ?? 0) + 1);
        return { type: 'count_mismatch', stream, message: str(event, 'message') };
      }
      case 'warning':
        return { type: 'warning', streams: strings(event.streams), message: str(event, 'message') };
      default:
        return undefined;
    }
  }

  /**
   * The run's result from its `run_finished` event: `{status, error, failure_type?, origin?,
   * duration_ms?, streams: {name: {records_read, records_committed, status}}}`.
   *
   * @param elapsedMs the duration when the event has none (a run cancelled while queued).
   */
  outcome(event: WireEvent, elapsedMs: number): RemoteOutcome {
    const status = event.status === 'succeeded' || event.status === 'cancelled' ? event.status : 'failed';
    const counts = typeof event.streams === 'object' && event.streams !== null ? (event.streams as Record<string, Record<string, unknown>>) : {};
    const streams: Record<string, StreamResult> = {};
    for (const [name, s] of Object.entries(counts)) {
      streams[name] = {
        recordsRead: Number(s.records_read ?? 0),
        recordsCommitted: Number(s.records_committed ?? 0),
        status: STREAM_RESULT_STATUSES.find((x) => x === s.status) ?? 'incomplete',
        countMismatches: this.#mismatchesByStream.get(name) ?? 0,
      };
    }
    const error = typeof event.error === 'string' && event.error !== '' ? event.error : undefined;
    const message =
      status === 'cancelled'
        ? `run ${this.#runId} was cancelled${error ? ` (${error})` : ''}: committed checkpoints are kept and the next run resumes from the last one`
        : (error ?? (status === 'failed' ? `run ${this.#runId} failed on the server without an error message` : undefined));
    const result: SyncResult = {
      runId: this.#runId,
      pipelineId: this.#pipelineId,
      status: status === 'succeeded' ? 'succeeded' : 'failed',
      ...(message === undefined
        ? {}
        : {
            failure: {
              message,
              failureType: FAILURE_TYPES.find((t) => t === event.failure_type) ?? (status === 'cancelled' ? 'transient_error' : 'system_error'),
              origin: ORIGINS.find((o) => o === event.origin) ?? 'engine',
            },
          }),
      streams,
      mismatches: [...this.#mismatches],
      durationMs: typeof event.duration_ms === 'number' ? event.duration_ms : elapsedMs,
    };
    return { result, status };
  }
}
