/**
 * NDJSON framing of protocol messages: one JSON object per line, `\n`-terminated (a `\r\n` ending is
 * accepted). Decoding streams: memory holds one line at a time, never the whole input.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { AirbyteMessage, AIRBYTE_MESSAGE_TYPES, type MessageOf } from './messages.ts';
import { ProtocolError } from './protocol-error.ts';
import { keepDataText } from './record-line.ts';

/** Default longest line accepted, in bytes: 64 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface DecodeOptions {
  /** Who wrote the input, for error messages (`source-stripe`, `stdin`). */
  connector: string;
  /** Longest line accepted, in bytes; longer fails with a ProtocolError. Default 64 MiB. */
  maxLineBytes?: number;
}

export interface DecodedLine {
  /** 1-based line number in the input. */
  lineNumber: number;
  message: AirbyteMessage;
}

/**
 * The complete lines of one chunk of input, as `readLineBatches` yields them: `bytes` holds them as
 * received (newlines, `\r`s and blank lines included; a line begun in an earlier chunk is joined in
 * front), and each non-blank line is located in it.
 */
export interface LineBatch {
  /** The batch's lines as received, each ending with `\n` except an unterminated last line of the input. */
  bytes: Buffer;
  lines: BatchLine[];
}

/** One non-blank line of a `LineBatch`. */
export interface BatchLine {
  /** 1-based line number in the input (blank lines count). */
  lineNumber: number;
  /** The line decoded as UTF-8, without its `\n` or `\r\n`. */
  line: string;
  /** Offset of the line's first byte in the batch's `bytes`. */
  start: number;
  /** Offset just past the line's `\n` in `bytes` (or past its last byte, for an unterminated last line). */
  end: number;
}

/**
 * Splits a byte stream into lines, a batch per chunk read: the hot path of the engine, which forwards
 * the bytes of a whole batch with one write instead of re-encoding each line, and of `decodeMessages`.
 * Blank lines are skipped (counted in line numbers). An unterminated last
 * line is still yielded. A chunk without a complete line yields nothing.
 *
 * @throws ProtocolError when a line exceeds `maxLineBytes`.
 */
export async function* readLineBatches(input: AsyncIterable<Buffer | string>, options: DecodeOptions): AsyncGenerator<LineBatch> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;

  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const last = buf.lastIndexOf(0x0a);
    if (last === -1) {
      pendingBytes += buf.length;
      if (pendingBytes > maxLineBytes) throw tooLong(options, lineNumber + 1, maxLineBytes);
      pending.push(buf);
      continue;
    }
    const carried = pendingBytes;
    const bytes = carried === 0 ? buf.subarray(0, last + 1) : Buffer.concat([...pending, buf.subarray(0, last + 1)]);
    const lines: BatchLine[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(0x0a, carried); nl !== -1; nl = bytes.indexOf(0x0a, nl + 1)) {
      lineNumber++;
      if (nl - start > maxLineBytes) throw tooLong(options, lineNumber, maxLineBytes);
      const line = lineAt(bytes, start, nl);
      if (line !== undefined) lines.push({ lineNumber, line, start, end: nl + 1 });
      start = nl + 1;
    }
    pending = [];
    pendingBytes = buf.length - last - 1;
    if (pendingBytes > maxLineBytes) throw tooLong(options, lineNumber + 1, maxLineBytes);
    if (pendingBytes > 0) pending.push(buf.subarray(last + 1));
    if (lines.length > 0) yield { bytes, lines };
  }
  if (pendingBytes > 0) {
    lineNumber++;
    const bytes = Buffer.concat(pending);
    const line = lineAt(bytes, 0, bytes.length);
    if (line !== undefined) yield { bytes, lines: [{ lineNumber, line, start: 0, end: bytes.length }] };
  }
}

/** The text of `bytes[start, end)` without a final `\r`, or undefined when it is blank. */
function lineAt(bytes: Buffer, start: number, end: number): string | undefined {
  const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
  const line = bytes.toString('utf8', start, stop);
  // A message starts with `{`: only other lines need the blank check.
  return bytes[start] === 0x7b || line.trim() !== '' ? line : undefined;
}

function tooLong(options: DecodeOptions, lineNumber: number, max: number): ProtocolError {
  return new ProtocolError(
    options.connector,
    lineNumber,
    `line longer than the maximum of ${max} bytes (is the connector writing non-NDJSON output?)`,
    '',
  );
}

const KNOWN_TYPES = new Set<string>(AIRBYTE_MESSAGE_TYPES);

/**
 * The hot path: a well-formed RECORD, checked by hand with the same rules as the `AirbyteRecordMessage`
 * schema (stream a string, data an object, emitted_at an integer, namespace a string when present).
 * Records are nearly every line of a sync, and zod costs as much CPU per record as JSON.parse; zod still
 * checks everything else, and explains what is wrong with a record that fails here.
 */
function isValidRecord(value: object): value is MessageOf<'RECORD'> {
  const message = value as { type?: unknown; record?: unknown };
  if (message.type !== 'RECORD') return false;
  const record = message.record as { stream?: unknown; data?: unknown; emitted_at?: unknown; namespace?: unknown; meta?: unknown } | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.stream === 'string' &&
    typeof record.data === 'object' &&
    record.data !== null &&
    !Array.isArray(record.data) &&
    Number.isInteger(record.emitted_at) &&
    (record.namespace === undefined || typeof record.namespace === 'string') &&
    (record.meta === undefined || (typeof record.meta === 'object' && record.meta !== null && !Array.isArray(record.meta)))
  );
}

/**
 * Parses one line into a protocol message.
 *
 * @throws ProtocolError naming the connector, line number and a snippet when the line is not JSON,
 *   not an object, has an unknown `type`, or does not match the message's schema.
 */
export function parseMessage(line: string, lineNumber: number, connector: string): AirbyteMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new ProtocolError(connector, lineNumber, `not valid JSON (${(error as Error).message})`, line);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(connector, lineNumber, 'not a JSON object', line);
  }
  if (isValidRecord(value)) return value;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) {
    throw new ProtocolError(connector, lineNumber, `unknown message type ${JSON.stringify(type)}`, line);
  }
  const parsed = AirbyteMessage.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ProtocolError(connector, lineNumber, `invalid ${type} message${where}: ${issue.message}`, line);
  }
  return parsed.data;
}

/**
 * Decodes an NDJSON byte stream into protocol messages; see `readLineBatches` and `parseMessage`. A RECORD
 * keeps the text of its data where the line allows (`keepDataText`).
 */
export async function* decodeMessages(
  input: AsyncIterable<Buffer | string>,
  options: DecodeOptions,
): AsyncGenerator<DecodedLine> {
  // Straight from the batches, with no generator of lines between: one async step less per line (issue 13).
  for await (const batch of readLineBatches(input, options)) {
    for (const { lineNumber, line } of batch.lines) {
      const message = parseMessage(line, lineNumber, options.connector);
      if (message.type === 'RECORD') keepDataText(message.record, line);
      yield { lineNumber, message };
    }
  }
}

/** One message as an NDJSON line, newline included. */
export function encodeMessage(message: AirbyteMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Writes messages to a stream as NDJSON, waiting for `drain` whenever the stream's buffer is full, so
 * a slow reader slows the writer instead of growing memory.
 */
export async function writeMessages(messages: AsyncIterable<AirbyteMessage>, output: Writable): Promise<void> {
  for await (const message of messages) {
    if (!output.write(encodeMessage(message))) await once(output, 'drain');
  }
}
