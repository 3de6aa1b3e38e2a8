/**
 * The source half of a run: copies RECORD, STATE and STREAM_STATUS lines from the source's stdout to
 * the destination's stdin, unchanged, waiting on `drain` so memory stays flat. Everything else is for
 * the engine (estimates, logs, errors, config changes). The one change: a RECORD of a stream with a
 * field selection is re-encoded without the fields not selected (field-selection.ts).
 *
 * Two watchdogs bound the waits: the source's idle timer runs while the engine waits for the source's
 * next message (any message resets it, LOG and TRACE included), the destination's while it waits for
 * the destination to drain its stdin. Neither runs while the engine waits on the other side.
 */
import { once } from 'node:events';
import { ProtocolError, type FailureType, type AirbyteStateMessage } from '@sync/protocol';
import type { ConnectorLine } from './connector-process.ts';
import type { StreamResult } from './events.ts';
import { withFields } from './field-selection.ts';
import { errorTraceOf, handleLogOrControl, type RunContext } from './run-context.ts';

/** Least time between two `records_read` events of one stream, in ms. */
export const READ_PROGRESS_INTERVAL_MS = 250;

/** The destination exited while the source still had output. */
export class DestinationGone extends Error {}

/** The source's TRACE ERROR: what it says, and the line as sent, to forward to the destination. */
export interface SourceErrorTrace {
  message: string;
  failureType: FailureType;
  line: string;
}

/**
 * Runs until the source's stdout ends.
 *
 * @param destinationDown aborted when the destination process exits.
 * @param onError receives each TRACE ERROR the source sends.
 * @throws ProtocolError for a line that is not a valid message, or a record of a stream outside the
 *   configured catalog; DestinationGone when the destination is no longer there to write to.
 */
export async function pipeSource(
  context: RunContext,
  destinationDown: AbortSignal,
  onError: (error: SourceErrorTrace) => void,
): Promise<void> {
  const { source, streams, ledger, emit, idle, fields } = context;
  const stdin = context.destination.stdin!;
  const forward = async (line: string) => {
    if (destinationDown.aborted) throw new DestinationGone();
    if (stdin.write(`${line}\n`)) return;
    idle.destination.arm();
    try {
      await once(stdin, 'drain', { signal: destinationDown });
    } catch {
      throw new DestinationGone();
    } finally {
      idle.destination.disarm();
    }
  };
  const known = Object.keys(streams);
  const lastProgress = new Map<string, number>();
  const lines = source.lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      idle.source.arm();
      let next: IteratorResult<ConnectorLine>;
      try {
        next = await lines.next();
      } finally {
        idle.source.disarm();
      }
      if (next.done) return;
      await route(next.value);
    }
  } finally {
    // Leaving early (the destination is gone, a bad line): close the source's stdout, so the source
    // cannot block on a full pipe nobody reads and its process can be awaited.
    await lines.return?.();
  }

  /** Counts, forwards or keeps one message of the source, by its type. */
  async function route({ lineNumber, line, message }: ConnectorLine): Promise<void> {
    switch (message.type) {
      case 'RECORD': {
        const counts = streams[message.record.stream];
        if (!counts) {
          throw new ProtocolError(
            source.command.name,
            lineNumber,
            `record for stream '${message.record.stream}', which is not in the configured catalog (streams: ${known.join(', ')})`,
            line,
          );
        }
        counts.recordsRead++;
        if (counts.status === 'pending' || counts.status === 'started') counts.status = 'running';
        ledger.recordForwarded(message.record.stream);
        const now = performance.now();
        if (now - (lastProgress.get(message.record.stream) ?? -Infinity) >= READ_PROGRESS_INTERVAL_MS) {
          lastProgress.set(message.record.stream, now);
          emit({ type: 'records_read', stream: message.record.stream, totalRead: counts.recordsRead });
        }
        const kept = fields.get(message.record.stream);
        await forward(kept ? withFields(message, kept) : line);
        break;
      }
      case 'STATE':
        ledger.stateForwarded(message.state as AirbyteStateMessage);
        await forward(line);
        break;
      case 'TRACE': {
        const status = message.trace.stream_status;
        if (status) {
          const counts = streams[status.stream_descriptor.name];
          if (counts) counts.status = status.status.toLowerCase() as StreamResult['status'];
          emit({ type: 'stream_status', stream: status.stream_descriptor.name, status: status.status });
          // The destination gets stream statuses too, as on the Airbyte platform: an `overwrite` stream
          // swaps in its new table only when its source said COMPLETE.
          await forward(line);
        }
        const estimate = message.trace.estimate;
        if (estimate?.row_estimate !== undefined) emit({ type: 'estimate', stream: estimate.name, rows: estimate.row_estimate });
        // Not forwarded now: the destination gets it when the source's output ends (run-attempt.ts), so
        // STATEs the source sends after a stream's error still commit the other streams.
        const error = errorTraceOf(message);
        if (error) onError({ ...error, line });
        break;
      }
      default:
        await handleLogOrControl(context, 'source', message);
    }
  }
}
