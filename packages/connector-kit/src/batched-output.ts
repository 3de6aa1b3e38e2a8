/**
 * How a source's messages reach stdout: encoded as NDJSON lines and gathered into chunks of about
 * 64 KiB, one `write` each, instead of one `write` (one syscall on a pipe) per message. A source
 * emitting 200,000 records of 1 KB spent a third of its CPU in those writes (docs/benchmarks.md,
 * issue 13).
 *
 * Nothing waits in the buffer while the source waits: whenever a line is buffered, a flush is
 * scheduled with `setImmediate`, which runs as soon as the source awaits anything but a promise that
 * is already settled (a fetch, a timer, a drain). A source that computes its records without I/O fills
 * whole chunks; one that reads from the network writes each page as soon as it awaits the next.
 * Order is that of the messages, by construction: there is one buffer, written in order.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { encodeMessage, type AirbyteMessage } from '@sync/protocol';

/** Bytes (UTF-16 code units, close enough for ASCII-heavy JSON) gathered before a write: 64 KiB. */
export const BATCH_CHARS = 64 * 1024;

/**
 * Writes `messages` to `output` as NDJSON, batched as the module describes, waiting for `drain`
 * whenever `output`'s buffer is full, so a slow reader slows the source instead of growing memory.
 * Whatever is buffered is written before this returns or throws, also when `messages` throws (so the
 * records and STATEs before a failure reach the reader before its TRACE ERROR).
 *
 * @param batchChars flush once this many characters are buffered (default `BATCH_CHARS`).
 * @throws the error of `messages`, or the error of `output` (EPIPE when the reader is gone).
 */
export async function writeMessagesBatched(
  messages: AsyncIterable<AirbyteMessage>,
  output: Writable,
  batchChars = BATCH_CHARS,
): Promise<void> {
  let pending = '';
  let scheduled: NodeJS.Immediate | undefined;
  let failure: { error: unknown } | undefined;

  /** Writes what is buffered; true when the stream asks the writer to wait for `drain`. */
  const flush = (): boolean => {
    if (pending === '') return false;
    const chunk = pending;
    pending = '';
    return !output.write(chunk);
  };
  const flushSoon = (): void => {
    scheduled = undefined;
    try {
      flush();
    } catch (error) {
      // Reported by the next message or at the end, on the writer's own path.
      failure ??= { error };
    }
  };
  const cancelFlushSoon = (): void => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
  };

  try {
    for await (const message of messages) {
      if (failure) throw failure.error;
      pending += encodeMessage(message);
      if (pending.length >= batchChars) {
        if (flush() || output.writableNeedDrain) await once(output, 'drain');
      } else {
        scheduled ??= setImmediate(flushSoon);
      }
    }
  } catch (error) {
    // What the source emitted before it failed still goes out, ahead of the caller's TRACE ERROR.
    cancelFlushSoon();
    if (!failure) flushSoon();
    throw error;
  }
  cancelFlushSoon();
  if (failure) throw failure.error;
  if (flush()) await once(output, 'drain');
}
