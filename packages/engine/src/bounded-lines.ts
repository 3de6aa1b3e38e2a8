/**
 * Lines of free text (a connector's stderr) with a cap on each line's length, so a connector that
 * writes megabytes without a newline costs the engine at most `maxBytes` of memory.
 */

/** Default longest stderr line kept, in bytes: 8 KiB. */
export const DEFAULT_MAX_STDERR_LINE_BYTES = 8 * 1024;

/** What replaces the end of a line longer than the cap. */
export function truncationMarker(cutBytes: number): string {
  return ` … [${cutBytes} more bytes cut]`;
}

/**
 * Splits `input` into lines (`\n`, with an optional `\r` before it, as readline does), yielding each as
 * a string of at most `maxBytes` bytes of the original line followed by `truncationMarker(n)` when `n`
 * bytes were cut. Memory holds at most `maxBytes` of a line. An unterminated last line is yielded too.
 */
export async function* boundedLines(input: AsyncIterable<Buffer | string>, maxBytes = DEFAULT_MAX_STDERR_LINE_BYTES): AsyncGenerator<string> {
  let kept: Buffer[] = [];
  let keptBytes = 0;
  let cut = 0;
  const take = (): string => {
    let bytes = Buffer.concat(kept);
    if (cut === 0 && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    kept = [];
    keptBytes = 0;
    const line = bytes.toString('utf8') + (cut > 0 ? truncationMarker(cut) : '');
    cut = 0;
    return line;
  };
  const keep = (part: Buffer) => {
    const room = maxBytes - keptBytes;
    if (part.length <= room) {
      kept.push(Buffer.from(part));
      keptBytes += part.length;
    } else {
      if (room > 0) kept.push(Buffer.from(part.subarray(0, room)));
      keptBytes += Math.max(0, room);
      cut += part.length - Math.max(0, room);
    }
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      keep(buf.subarray(start, nl));
      start = nl + 1;
      yield take();
    }
    if (start < buf.length) keep(buf.subarray(start));
  }
  if (keptBytes > 0 || cut > 0) yield take();
}
