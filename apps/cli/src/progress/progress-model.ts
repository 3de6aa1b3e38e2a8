/**
 * What the terminal progress view shows, folded from the engine's events: per stream its status,
 * records read and committed, when it started and when it last checkpointed, and the source's
 * estimate. Times are `performance.now()`-style milliseconds passed in by the caller, so tests can
 * replay a run at any pace.
 */
import type { SyncEvent, SyncResult } from '@sync/engine';

export type StreamPhase = 'waiting' | 'running' | 'complete' | 'failed';

export interface StreamProgress {
  name: string;
  phase: StreamPhase;
  read: number;
  committed: number;
  /** When the stream started (STARTED status or its first record), ms. */
  startedAt?: number;
  /** When it completed or the run ended, ms. */
  endedAt?: number;
  /** When its last checkpoint was committed, ms. */
  lastCheckpointAt?: number;
  /** Rows the source expects to emit (TRACE ESTIMATE). */
  estimate?: number;
}

export interface ProgressSnapshot {
  runId?: string;
  pipelineId?: string;
  startedAt: number;
  streams: StreamProgress[];
  /** Set when the run ended. */
  outcome?: { status: 'succeeded' | 'failed'; endedAt: number };
}

export class ProgressModel {
  readonly #snapshot: ProgressSnapshot;
  readonly #byName = new Map<string, StreamProgress>();

  constructor(startedAt: number) {
    this.#snapshot = { startedAt, streams: [] };
  }

  /** The current state; the caller must not change it. */
  get snapshot(): ProgressSnapshot {
    return this.#snapshot;
  }

  #stream(name: string): StreamProgress {
    let stream = this.#byName.get(name);
    if (!stream) {
      stream = { name, phase: 'waiting', read: 0, committed: 0 };
      this.#byName.set(name, stream);
      this.#snapshot.streams.push(stream);
    }
    return stream;
  }

  #start(stream: StreamProgress, now: number): void {
    if (stream.phase === 'waiting') stream.phase = 'running';
    stream.startedAt ??= now;
  }

  apply(event: SyncEvent, now: number): void {
    switch (event.type) {
      case 'run_created':
        this.#snapshot.runId = event.runId;
        this.#snapshot.pipelineId = event.pipelineId;
        break;
      case 'run_started':
        this.#snapshot.runId = event.runId;
        this.#snapshot.pipelineId = event.pipelineId;
        for (const { stream } of event.catalog.streams) this.#stream(stream.name);
        break;
      case 'stream_status': {
        const stream = this.#stream(event.stream);
        if (event.status === 'STARTED' || event.status === 'RUNNING') this.#start(stream, now);
        else {
          stream.startedAt ??= now;
          stream.phase = event.status === 'COMPLETE' ? 'complete' : 'failed';
          stream.endedAt = now;
        }
        break;
      }
      case 'records_read': {
        const stream = this.#stream(event.stream);
        this.#start(stream, now);
        stream.read = Math.max(stream.read, event.totalRead);
        break;
      }
      case 'checkpoint': {
        const stream = this.#stream(event.stream);
        this.#start(stream, now);
        stream.committed = event.totalCommitted;
        stream.read = Math.max(stream.read, event.totalRead);
        stream.lastCheckpointAt = now;
        break;
      }
      case 'estimate':
        this.#stream(event.stream).estimate = event.rows;
        break;
      default:
        break;
    }
  }

  /** Takes the final counts from the run's result; in a failed run, streams that did not complete failed. */
  finish(result: SyncResult, now: number): void {
    for (const [name, counts] of Object.entries(result.streams)) {
      const stream = this.#stream(name);
      stream.read = counts.recordsRead;
      stream.committed = counts.recordsCommitted;
      // A succeeded run finished every stream, whether or not its source sent STREAM_STATUS.
      stream.phase = counts.status === 'complete' || result.status === 'succeeded' ? 'complete' : 'failed';
      if (stream.startedAt !== undefined) stream.endedAt ??= now;
    }
    this.#snapshot.runId = result.runId;
    // The error itself is not kept: the CLI prints it once, as `sync: error: …`, after the view.
    this.#snapshot.outcome = { status: result.status, endedAt: now };
  }
}
