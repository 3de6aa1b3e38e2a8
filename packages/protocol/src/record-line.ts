/**
 * A RECORD line checked without building it (issue 13: the engine and the Postgres destination each
 * parsed every record line with `JSON.parse`, and the objects it made were most of their CPU and
 * garbage). A line in the form our connector kit writes,
 *
 *   {"type":"RECORD","record":{"stream":"<name>","data":{…},"emitted_at":<integer>}}
 *
 * is scanned once, character by character: every part is checked against the JSON grammar
 * (RFC 8259, https://www.rfc-editor.org/rfc/rfc8259) and the message against the rules of
 * `parseMessage` (a stream name, an object for `data`, an integer `emitted_at`), and nothing is
 * allocated but the stream's name. A line in any other form (other key order, whitespace, a
 * `namespace` or `meta`, an escape in the stream's name, nesting deeper than `MAX_DEPTH`), or one
 * that is not valid, gets `undefined`: the caller parses it the usual way, which accepts what is
 * valid in any form and explains what is not. So the scan never accepts a line that `parseMessage`
 * would reject, and never reads one differently.
 */
import type { AirbyteRecordMessage } from './messages.ts';

/** Where the parts of a RECORD line in the kit's form are. */
export interface RecordLine {
  /** The record's stream (`record.stream`). */
  stream: string;
  /** Offset of the first character of `record.data`'s JSON text in the line (its `{`). */
  dataStart: number;
  /** Offset just past the last character of `record.data`'s JSON text (its `}`). */
  dataEnd: number;
}

/** Deepest nesting of objects and arrays the scan follows; deeper lines are left to `JSON.parse`. */
export const MAX_DEPTH = 256;

const PREFIX = '{"type":"RECORD","record":{"stream":"';
const DATA = ',"data":';
const EMITTED_AT = ',"emitted_at":';
/** Longest `emitted_at` taken without parsing: 15 digits are exact in a double. */
const MAX_INTEGER_DIGITS = 15;

/** A backslash or a control character anywhere: a line without any has strings that need no check. */
const SPECIAL = /[\\\u0000-\u001f]/;

/** Characters of a JSON string that need no check: all but `"`, `\\` and the control characters. */
const PLAIN = /[^"\\\u0000-\u001f]*/y;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The stream and the `data` text of `line` (one NDJSON line, without its newline), when it is a valid
 * RECORD message in the kit's form; `undefined` otherwise (then parse it with `parseMessage`).
 */
export function scanRecordLine(line: string): RecordLine | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  const streamStart = PREFIX.length;
  let nameEnd = streamStart;
  for (let c = line.charCodeAt(nameEnd); c !== QUOTE; c = line.charCodeAt(++nameEnd)) {
    // An escape in the name would need decoding: left to JSON.parse, as are a control character and
    // the end of the line (NaN).
    if (c === BACKSLASH || !(c >= 0x20)) return undefined;
  }
  const streamEnd = nameEnd + 1;
  if (!line.startsWith(DATA, streamEnd)) return undefined;
  const dataStart = streamEnd + DATA.length;
  if (line.charCodeAt(dataStart) !== OPEN_BRACE) return undefined;
  // Most lines have no escape at all: their strings end at the next quote (found by indexOf, not a loop).
  const dataEnd = endOfValue(line, dataStart, 0, !SPECIAL.test(line));
  if (dataEnd < 0 || !line.startsWith(EMITTED_AT, dataEnd)) return undefined;
  const digitsStart = dataEnd + EMITTED_AT.length;
  let i = line.charCodeAt(digitsStart) === MINUS ? digitsStart + 1 : digitsStart;
  const first = i;
  while (isDigit(line.charCodeAt(i))) i++;
  if (i === first || i - first > MAX_INTEGER_DIGITS || (line.charCodeAt(first) === ZERO && i - first > 1)) return undefined;
  if (line.charCodeAt(i) !== CLOSE_BRACE || line.charCodeAt(i + 1) !== CLOSE_BRACE || i + 2 !== line.length) return undefined;
  return { stream: line.slice(streamStart, nameEnd), dataStart, dataEnd };
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Space, tab, line feed, carriage return: JSON's whitespace. */
function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

/**
 * The offset just past the JSON value starting at `i` (after no whitespace), or -1. `plain`: the line
 * has no backslash and no control character (see `SPECIAL`).
 */
function endOfValue(s: string, i: number, depth: number, plain: boolean): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return endOfString(s, i, plain);
  if (c === OPEN_BRACE) return depth < MAX_DEPTH ? endOfObject(s, i, depth + 1, plain) : -1;
  if (c === OPEN_BRACKET) return depth < MAX_DEPTH ? endOfArray(s, i, depth + 1, plain) : -1;
  if (c === MINUS || isDigit(c)) return endOfNumber(s, i);
  if (s.startsWith('true', i) || s.startsWith('null', i)) return i + 4;
  if (s.startsWith('false', i)) return i + 5;
  return -1;
}

/** `i` at a `"`: the offset just past the closing `"`, or -1. */
function endOfString(s: string, i: number, plain: boolean): number {
  if (plain) return s.indexOf('"', i + 1) + 1 || -1;
  for (i++; ; i++) {
    // The run of characters that need no check, matched by the regular expression engine's compiled
    // code: several times faster than a loop here over a long string.
    PLAIN.lastIndex = i;
    PLAIN.test(s);
    i = PLAIN.lastIndex;
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(++i);
      if (e === 0x75 /* u */) {
        for (let k = 1; k <= 4; k++) if (!isHexDigit(s.charCodeAt(i + k))) return -1;
        i += 4;
      } else if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        return -1;
      }
    } else if (!(c >= 0x20)) {
      // A control character (unescaped, not allowed), or NaN: the line ended inside the string.
      return -1;
    }
  }
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: the offset past it, or -1. */
function endOfNumber(s: string, i: number): number {
  if (s.charCodeAt(i) === MINUS) i++;
  const c = s.charCodeAt(i);
  if (c === ZERO) i++;
  else if (isDigit(c)) while (isDigit(s.charCodeAt(i))) i++;
  else return -1;
  if (s.charCodeAt(i) === DOT) {
    if (!isDigit(s.charCodeAt(++i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  const e = s.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    const sign = s.charCodeAt(++i);
    if (sign === PLUS || sign === MINUS) i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  return i;
}

/** `i` at a `{`: the offset just past its `}`, or -1. */
function endOfObject(s: string, i: number, depth: number, plain: boolean): number {
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== QUOTE) return -1;
    i = endOfString(s, i, plain);
    if (i < 0) return -1;
    i = skipSpace(s, i);
    if (s.charCodeAt(i) !== COLON) return -1;
    i = endOfValue(s, skipSpace(s, i + 1), depth, plain);
    if (i < 0) return -1;
    i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA) return -1;
    i = skipSpace(s, i + 1);
  }
}

/** `i` at a `[`: the offset just past its `]`, or -1. */
function endOfArray(s: string, i: number, depth: number, plain: boolean): number {
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = endOfValue(s, i, depth, plain);
    if (i < 0) return -1;
    i = skipSpace(s, i);
    const c = s.charCodeAt(i);
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i = skipSpace(s, i + 1);
  }
}

const DATA_TEXT = Symbol('sync.recordDataText');

/** A record that may carry the text of its `data` (`keepDataText`), under a key JSON.stringify skips. */
type WithDataText = AirbyteRecordMessage & { [DATA_TEXT]?: string };

/**
 * Keeps on `record`, just parsed from `line`, the JSON text of its `data` as the line has it, when the
 * line is in the kit's form (module docstring) with this record's stream and `emitted_at`: a
 * destination that stores each record's JSON then takes that text (`dataTextOf`) instead of
 * serializing the parsed data again (0.3–0.4 s of CPU per 200,000 records of 1 KB). The line was
 * parsed, so only its envelope is compared: cheap, and the text is the `data` value, except for a line
 * that repeats a key of its envelope, whose text is then not one JSON value (a database refuses it).
 *
 * The text may differ from `JSON.stringify(record.data)` where the source wrote JSON differently
 * (`1.0`, `\u00e9`, integers past 2^53, whitespace): it is what the source sent.
 */
export function keepDataText(record: AirbyteRecordMessage, line: string): void {
  const { stream, emitted_at: emittedAt } = record;
  // The stream's name as it is (no escape in it), then its closing quote.
  const nameEnd = PREFIX.length + stream.length;
  if (!line.startsWith(PREFIX) || !line.startsWith(stream, PREFIX.length) || line.charCodeAt(nameEnd) !== QUOTE) return;
  if (!line.startsWith(DATA, nameEnd + 1)) return;
  const dataStart = nameEnd + 1 + DATA.length;
  const tail = `${EMITTED_AT}${emittedAt}}}`;
  if (!line.endsWith(tail) || Object.keys(record).length !== 3) return;
  // Not enumerable: the record compares and copies as the one parsed (toEqual, spread).
  Object.defineProperty(record, DATA_TEXT, { value: line.slice(dataStart, line.length - tail.length) });
}

/** The JSON text of `record.data` as its source wrote it, when `keepDataText` kept it. */
export function dataTextOf(record: AirbyteRecordMessage): string | undefined {
  return (record as WithDataText)[DATA_TEXT];
}
