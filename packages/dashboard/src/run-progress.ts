/**
 * What a run's page shows, folded from its events (`GET /runs/{id}/events`, docs/api.md "Events"):
 * per-stream records read and committed, the checkpoints, the log lines and the outcome. The events
 * are the engine's (packages/engine/src/events.ts) in snake_case; fields this page does not know are
 * ignored, so a newer server's events do not break it.
 */
import type { RunEvent } from '@sync/api-client';

/** One stream of the run. */
export interface StreamProgress {
  name: string;
  /** `pending` until its first STREAM_STATUS, then `started`, `running`, `complete` or `incomplete`. */
  status: string;
  /** RECORD messages read from the source so far. */
  read: number;
  /** Records the destination committed (at the last checkpoint). */
  committed: number;
  /** Rows the source expects to read, when it said (`estimate` event). */
  estimate?: number;
  /** When the stream started (its STARTED status), ISO 8601. */
  startedAt?: string;
  /** When `read` last grew, ISO 8601. */
  lastReadAt?: string;
}

/** A state the destination committed and the store saved: where the next run resumes. */
export interface Checkpoint {
  seq: number;
  at: string;
  stream: string;
  /** Records of the stream committed in the run so far. */
  committed: number;
  /** Records this checkpoint committed. */
  recordsCommitted: number;
}

/** A line of the run's log: connectors' logs and stderr, warnings, the engine's notes. */
export interface LogLine {
  seq: number;
  at: string;
  /** `ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE`, `FATAL` (Airbyte log levels), or `STDERR`. */
  level: string;
  /** The connector (`source-stripe`) or `engine`. */
  source: string;
  message: string;
}

/** How the run ended (`run_finished`). */
export interface RunOutcome {
  /** `succeeded`, `failed` or `cancelled`. */
  status: string;
  /** Why it failed, secrets masked; null when it did not. */
  error: string | null;
  /** Airbyte's failure type: `config_error` (fix the config), `system_error`, `transient_error`. */
  failureType?: string;
  /** Which side failed first: `source`, `destination` or `engine`. */
  origin?: string;
  durationMs?: number;
}

/** Everything the run's page shows, as of the last event applied. */
export interface RunProgress {
  /** By stream name, in the order the run configured them. */
  streams: Map<string, StreamProgress>;
  checkpoints: Checkpoint[];
  /** The last `MAX_LOGS` lines; `droppedLogs` older ones were left out. */
  logs: LogLine[];
  droppedLogs: number;
  /** When the run started reading (`run_started`). */
  startedAt?: string;
  /** Streams resumed from a saved state. */
  resumed: string[];
  /** The time of the last event. */
  lastAt?: string;
  /** The last event's `seq` (0 before any). */
  lastSeq: number;
  finished?: RunOutcome;
}

/** Log lines kept, newest last (a long run can log a lot; the page stays quick). */
export const MAX_LOGS = 1000;

/** A progress with nothing yet. */
export function newProgress(): RunProgress {
  return { streams: new Map(), checkpoints: [], logs: [], droppedLogs: 0, resumed: [], lastSeq: 0 };
}

const str = (event: RunEvent, key: string): string | undefined => (typeof event[key] === 'string' ? (event[key] as string) : undefined);
const num = (event: RunEvent, key: string): number | undefined => (typeof event[key] === 'number' ? (event[key] as number) : undefined);

function stream(progress: RunProgress, name: string): StreamProgress {
  let found = progress.streams.get(name);
  if (!found) progress.streams.set(name, (found = { name, status: 'pending', read: 0, committed: 0 }));
  return found;
}

function log(progress: RunProgress, event: RunEvent, level: string, source: string, message: string): void {
  progress.logs.push({ seq: event.seq, at: event.at, level, source, message });
  if (progress.logs.length > MAX_LOGS) {
    progress.logs.shift();
    progress.droppedLogs++;
  }
}

/**
 * Applies one event to `progress` (changed in place: a run has thousands of events). Events at or
 * before `progress.lastSeq` are skipped, so a replay after a reconnection counts nothing twice.
 */
export function applyEvent(progress: RunProgress, event: RunEvent): void {
  if (event.seq <= progress.lastSeq) return;
  progress.lastSeq = event.seq;
  progress.lastAt = event.at;
  const name = str(event, 'stream');
  switch (event.type) {
    case 'run_started': {
      progress.startedAt = event.at;
      const streams = Array.isArray(event.streams) ? (event.streams as { name?: unknown }[]) : [];
      for (const s of streams) if (typeof s.name === 'string') stream(progress, s.name);
      progress.resumed = Array.isArray(event.resumed) ? event.resumed.filter((r): r is string => typeof r === 'string') : [];
      break;
    }
    case 'stream_status':
      if (name) {
        const s = stream(progress, name);
        s.status = (str(event, 'status') ?? s.status).toLowerCase();
        if (s.status === 'started') s.startedAt ??= event.at;
      }
      break;
    case 'estimate':
      if (name && num(event, 'rows') !== undefined) stream(progress, name).estimate = num(event, 'rows');
      break;
    case 'records_read':
      if (name) {
        const s = stream(progress, name);
        const read = num(event, 'total_read') ?? s.read;
        if (read > s.read) s.lastReadAt = event.at;
        s.read = Math.max(s.read, read);
      }
      break;
    case 'checkpoint':
      if (name) {
        const s = stream(progress, name);
        s.committed = num(event, 'total_committed') ?? s.committed;
        const read = num(event, 'total_read') ?? s.read;
        if (read > s.read) {
          s.read = read;
          s.lastReadAt = event.at;
        }
        progress.checkpoints.push({ seq: event.seq, at: event.at, stream: name, committed: s.committed, recordsCommitted: num(event, 'records_committed') ?? 0 });
      }
      break;
    case 'log':
      log(progress, event, str(event, 'level') ?? 'INFO', str(event, 'connector') ?? 'engine', str(event, 'message') ?? '');
      break;
    case 'stderr':
      log(progress, event, 'STDERR', str(event, 'connector') ?? 'engine', str(event, 'line') ?? '');
      break;
    case 'warning': {
      const streams = Array.isArray(event.streams) ? ` (${event.streams.join(', ')})` : '';
      log(progress, event, 'WARN', 'engine', `${str(event, 'message') ?? ''}${streams}`);
      break;
    }
    case 'count_mismatch':
      log(progress, event, 'WARN', 'engine', `${name ?? ''}: ${str(event, 'message') ?? 'counts disagree'}`);
      break;
    case 'config_update':
    case 'config_applied': {
      const keys = Array.isArray(event.keys) ? event.keys.join(', ') : '';
      const what = event.type === 'config_update' ? 'asked to change config keys, saved for the next runs' : 'config keys saved by an earlier run applied';
      log(progress, event, 'INFO', str(event, 'connector') ?? 'engine', `${what}: ${keys}`);
      break;
    }
    case 'stream_error':
      log(progress, event, 'ERROR', 'server', str(event, 'message') ?? 'the event stream failed');
      break;
    case 'run_finished':
      finish(progress, event);
      break;
  }
}

function finish(progress: RunProgress, event: RunEvent): void {
  const failureType = str(event, 'failure_type');
  const origin = str(event, 'origin');
  const durationMs = num(event, 'duration_ms');
  progress.finished = {
    status: str(event, 'status') ?? 'failed',
    error: str(event, 'error') ?? null,
    ...(failureType ? { failureType } : {}),
    ...(origin ? { origin } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
  };
  const streams = typeof event.streams === 'object' && event.streams !== null ? (event.streams as Record<string, Record<string, unknown>>) : {};
  for (const [name, counts] of Object.entries(streams)) {
    const s = stream(progress, name);
    if (typeof counts.records_read === 'number') s.read = counts.records_read;
    if (typeof counts.records_committed === 'number') s.committed = counts.records_committed;
    if (typeof counts.status === 'string') s.status = counts.status;
  }
}

/**
 * Records read per second by a stream, from its start to its last read (undefined before two
 * points in time are known).
 */
export function rateOf(stream: StreamProgress): number | undefined {
  if (!stream.startedAt || !stream.lastReadAt) return undefined;
  const seconds = (new Date(stream.lastReadAt).getTime() - new Date(stream.startedAt).getTime()) / 1000;
  return seconds > 0 ? stream.read / seconds : undefined;
}
