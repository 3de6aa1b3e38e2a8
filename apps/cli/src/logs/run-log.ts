/**
 * Structured logs of `sync run` (pino): one JSON object per line, each carrying the run id, the
 * pipeline, the source and destination, the connector that spoke (null for the engine) and the stream
 * (null when the line is about no single stream). `--log-format json` prints those lines on stderr;
 * `pretty` (the default) prints each as a short human line.
 *
 * Secrets are masked by the engine before events reach this log (`@sync/engine`, secrets.ts); the log
 * itself masks only what no list is needed for, the password of any URL with user info, in the CLI's
 * own lines as in the engine's.
 */
import { pino, type Logger } from 'pino';
import { maskUrlPasswords, redactDeep, type SyncEvent } from '@sync/engine';
import type { LogLevel as ConnectorLogLevel } from '@sync/protocol';
import { count } from '../render-plain.ts';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The fields of one log line, as written in JSON. */
export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  time: string;
  run_id: string | null;
  pipeline: string;
  source: string;
  destination: string;
  /** The connector that produced the line (its LOG message or stderr); null for the engine's own lines. */
  connector: string | null;
  stream: string | null;
  /** What the line reports: a SyncEvent type, `stderr`, `run_finished`, or `message`. */
  event: string;
  msg: string;
  [field: string]: unknown;
}

const connectorLevels: Record<ConnectorLogLevel, Exclude<LogLevel, 'silent'>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
};

/**
 * The human form of a log line, as `sync run` has always printed it: the engine's lines as they are
 * (warnings prefixed `warning:`), a connector's as `<connector>: <message>` (`<connector>: warn: …`
 * from warn up), stderr as `<connector> (stderr): …`. `run_finished` is left to the summary on stdout.
 */
export function prettyLine(record: LogRecord): string | undefined {
  if (record.event === 'run_finished') return undefined;
  const severe = record.level === 'warn' || record.level === 'error' || record.level === 'fatal';
  if (record.connector === null) return severe ? `warning: ${record.msg}` : record.msg;
  if (record.event === 'stderr') return `${record.connector} (stderr): ${record.msg}`;
  return severe ? `${record.connector}: ${record.level}: ${record.msg}` : `${record.connector}: ${record.msg}`;
}

export interface RunLogOptions {
  format: LogFormat;
  level: LogLevel;
  pipeline: string;
  source: string;
  destination: string;
  /** Receives each finished line (JSON or pretty), URL passwords masked, without a trailing newline. */
  write: (line: string, record: LogRecord) => void;
  /** Checkpoint lines at info level are throttled to one per stream per interval (ms); the rest are debug. */
  checkpointIntervalMs?: number;
}

/** The log of one `sync run`. */
export class RunLog {
  readonly logger: Logger;
  readonly #lastCheckpoint = new Map<string, number>();
  readonly #checkpointIntervalMs: number;

  constructor(options: RunLogOptions) {
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? 2_000;
    const destination = {
      write: (json: string) => {
        // Masking the parsed strings, not the serialized line, keeps the line valid JSON whatever it masks.
        const record = redactDeep(JSON.parse(json) as LogRecord, maskUrlPasswords);
        if (options.format === 'json') options.write(JSON.stringify(record), record);
        else {
          const text = prettyLine(record);
          if (text !== undefined) options.write(text, record);
        }
      },
    };
    this.logger = pino(
      {
        level: options.level,
        base: { run_id: null, pipeline: options.pipeline, source: options.source, destination: options.destination },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
  }

  /** An engine line (no connector). */
  message(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
    this.logger[level]({ connector: null, stream: null, event: 'message', ...fields }, msg);
  }

  /** Logs one engine event; `records_read` and `run_created` only feed the progress view. */
  onEvent = (event: SyncEvent): void => {
    const line = (level: Exclude<LogLevel, 'silent'>, fields: { connector?: string | null; stream?: string | null } & Record<string, unknown>, msg: string) =>
      this.logger[level]({ connector: null, stream: null, event: event.type, ...fields }, msg);
    switch (event.type) {
      case 'run_created':
        this.logger.setBindings({ run_id: event.runId });
        break;
      case 'run_started': {
        const names = event.catalog.streams.map((s) => s.stream.name);
        const list = (xs: string[]) => (xs.length <= 8 ? xs.join(', ') : `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more`);
        const resumed =
          event.resumed.length === 0
            ? ''
            : event.resumed.length === names.length
              ? '; every stream resumes from its saved state'
              : `; resuming ${list(event.resumed)} from saved state`;
        line('info', { streams: names, resumed: event.resumed }, `run ${event.runId} of pipeline ${event.pipelineId}: ${count(names.length, 'stream')} (${list(names)})${resumed}`);
        break;
      }
      case 'stream_status':
        line(event.status === 'RUNNING' ? 'debug' : 'info', { stream: event.stream, status: event.status }, `${event.stream}: ${event.status.toLowerCase()}`);
        break;
      case 'estimate':
        line('debug', { stream: event.stream, rows: event.rows }, `${event.stream}: about ${count(event.rows, 'record')} to read (source estimate)`);
        break;
      case 'checkpoint': {
        const now = performance.now();
        const due = now - (this.#lastCheckpoint.get(event.stream) ?? -Infinity) >= this.#checkpointIntervalMs;
        if (due) this.#lastCheckpoint.set(event.stream, now);
        line(
          due ? 'info' : 'debug',
          { stream: event.stream, records_committed: event.recordsCommitted, total_committed: event.totalCommitted, total_read: event.totalRead },
          `${event.stream}: ${count(event.totalCommitted, 'record')} committed`,
        );
        break;
      }
      case 'log':
        line(connectorLevels[event.level], { connector: event.connector, role: event.role }, event.message);
        break;
      case 'stderr':
        // Free text, usually a repeat of the connector's TRACE ERROR or a stack trace: kept, at debug.
        line('debug', { connector: event.connector, role: event.role }, event.line);
        break;
      case 'config_update':
        line('info', { role: event.role, keys: event.keys }, `${event.connector} changed its config (${event.keys.join(', ')}); saved for the next runs of this pipeline`);
        break;
      case 'config_applied':
        line('info', { role: event.role, keys: event.keys }, `${event.connector}: using config saved by an earlier run (${event.keys.join(', ')})`);
        break;
      case 'count_mismatch':
        line('warn', { stream: event.stream }, event.message);
        break;
      case 'warning':
        line('warn', { streams: event.streams }, event.message);
        break;
      case 'records_read':
        break;
    }
  };
}
