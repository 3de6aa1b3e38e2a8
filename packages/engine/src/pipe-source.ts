/**
 * The source half of a run: copies RECORD, STATE and STREAM_STATUS lines from the source's stdout to
 * the destination's stdin, unchanged, waiting on `drain` so memory stays flat. Everything else is for
 * the engine (estimates, logs, errors, config changes). The one change: a RECORD of a stream with a
 * field selection is re-encoded without the fields not selected (field-selection.ts).
 *
 * The hot path of every run (issue 13): the source's output is taken a chunk at a time (a batch of
 * lines, `readLineBatches`); every line is still parsed and checked (decision 0003), but the lines
 * forwarded unchanged go out as the bytes they came in, a run of them in one write, not re-encoded
 * one line at a time. Lines are handled in order: a message for the engine waits until every line
 * before it has been written to the destination.
 *
 * Two watchdogs bound the waits: the source's idle timer runs while the engine waits for the source's
 * next message (any message resets it, LOG and TRACE included), the destination's while it waits for
 * the destination to drain its stdin. Neither runs while the engine waits on the other side.
 */
import { once } from 'node:events';
import { ProtocolError, scanRecordLine, type FailureType, type AirbyteStateMessage } from '@sync/protocol';
import type { LineBatch } from '@sync/protocol';
import { messageOf } from './connector-process.ts';
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
  const out = new Outbox();
  /** Writes what the outbox holds, then waits for the destination to drain its stdin if it is full. */
  const flush = async () => {
    const data = out.take();
    if (data === undefined) return;
    if (destinationDown.aborted) throw new DestinationGone();
    if (stdin.write(data)) return;
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
  const lastReported = new Map<string, number>();
  const batches = source.batches[Symbol.asyncIterator]();
  try {
    for (;;) {
      idle.source.arm();
      let next: IteratorResult<LineBatch>;
      try {
        next = await batches.next();
      } finally {
        idle.source.disarm();
      }
      if (next.done) return;
      try {
        await route(next.value);
      } catch (error) {
        // What came before the bad line still goes to the destination, as it would have line by line.
        const data = out.take();
        if (data !== undefined && !destinationDown.aborted) stdin.write(data);
        throw error;
      }
      await flush();
      progress();
    }
  } finally {
    // Leaving early (the destination is gone, a bad line): close the source's stdout, so the source
    // cannot block on a full pipe nobody reads and its process can be awaited.
    await batches.return?.();
  }

  /** Counts, forwards or keeps each message of one batch, by its type, in order. */
  async function route(batch: LineBatch): Promise<void> {
    const name = source.command.name;
    for (const { lineNumber, line, start, end } of batch.lines) {
      // A record line as the connector kit writes it is checked without being built (record-line.ts),
      // unless its stream has a field selection, which needs the record itself.
      const scanned = scanRecordLine(line);
      if (scanned && !fields.has(scanned.stream)) {
        countRecord(scanned.stream, lineNumber, line);
        out.bytes(batch.bytes, start, end);
        continue;
      }
      const message = messageOf(line, lineNumber, name);
      switch (message.type) {
        case 'RECORD': {
          const stream = message.record.stream;
          countRecord(stream, lineNumber, line);
          const kept = fields.get(stream);
          if (kept) out.text(`${withFields(message, kept)}\n`);
          else out.bytes(batch.bytes, start, end);
          break;
        }
        case 'STATE':
          ledger.stateForwarded(message.state as AirbyteStateMessage);
          out.bytes(batch.bytes, start, end);
          break;
        case 'TRACE': {
          const status = message.trace.stream_status;
          if (status) {
            const counts = streams[status.stream_descriptor.name];
            if (counts) counts.status = status.status.toLowerCase() as StreamResult['status'];
            emit({ type: 'stream_status', stream: status.stream_descriptor.name, status: status.status });
            // The destination gets stream statuses too, as on the Airbyte platform: an `overwrite` stream
            // swaps in its new table only when its source said COMPLETE.
            out.bytes(batch.bytes, start, end);
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
          // Every line before this one reaches the destination first, as if each were written alone.
          await flush();
          await handleLogOrControl(context, 'source', message);
      }
    }
  }

  /**
   * Counts a record of `stream` as read and forwarded.
   * @throws ProtocolError when the stream is not in the configured catalog.
   */
  function countRecord(stream: string, lineNumber: number, line: string): void {
    const counts = streams[stream];
    if (!counts) {
      throw new ProtocolError(source.command.name, lineNumber, `record for stream '${stream}', which is not in the configured catalog (streams: ${known.join(', ')})`, line);
    }
    counts.recordsRead++;
    if (counts.status === 'pending' || counts.status === 'started') counts.status = 'running';
    ledger.recordForwarded(stream);
  }

  /** A `records_read` event per stream that read records, at most every READ_PROGRESS_INTERVAL_MS. */
  function progress(): void {
    const now = performance.now();
    for (const [stream, counts] of Object.entries(streams)) {
      if (counts.recordsRead === 0 || now - (lastProgress.get(stream) ?? -Infinity) < READ_PROGRESS_INTERVAL_MS) continue;
      if (counts.recordsRead === lastReported.get(stream)) continue;
      lastProgress.set(stream, now);
      lastReported.set(stream, counts.recordsRead);
      emit({ type: 'records_read', stream, totalRead: counts.recordsRead });
    }
  }
}

/**
 * The bytes waiting for one write to the destination's stdin: ranges of the batches' bytes, joined
 * when they touch (a run of forwarded lines is one range of its batch), and re-encoded lines.
 */
class Outbox {
  #pieces: Buffer[] = [];
  #from: Buffer | undefined;
  #start = 0;
  #end = 0;

  /** Adds `bytes[start, end)`. */
  bytes(bytes: Buffer, start: number, end: number): void {
    if (this.#from === bytes && this.#end === start) {
      this.#end = end;
      return;
    }
    this.#close();
    this.#from = bytes;
    this.#start = start;
    this.#end = end;
  }

  /** Adds a line of text (its newline included). */
  text(text: string): void {
    this.#close();
    this.#pieces.push(Buffer.from(text));
  }

  /** Everything added since the last take, or undefined when nothing was. */
  take(): Buffer | undefined {
    this.#close();
    const pieces = this.#pieces;
    if (pieces.length === 0) return undefined;
    this.#pieces = [];
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
  }

  #close(): void {
    if (this.#from === undefined) return;
    this.#pieces.push(this.#from.subarray(this.#start, this.#end));
    this.#from = undefined;
  }
}
