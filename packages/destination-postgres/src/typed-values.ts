/**
 * The typing rule of columns.ts applied in this process: the value of a typed column, computed from a
 * parsed record, as a field of a COPY text-format row. The load path COPYs these rows instead of
 * having Postgres extract each column from jsonb (issue 13), so every function here mirrors, value for
 * value, what `castSql` computes on the server from the record's jsonb (`JSON.stringify` of the parsed
 * record, which is what `_raw_data` holds). typed-values.test.ts checks them against `castSql` itself.
 *
 * Rule (castSql, PostgreSQL manual "JSON Functions and Operators" and "Data Type Formatting"):
 * - text: `->>`: a string as is, a number as jsonb prints it (numeric output, never an exponent),
 *   a boolean as `true`/`false`, an object or array as jsonb's text (keys by length then bytes,
 *   `", "` and `": "` separators); JSON null or a missing property → NULL.
 * - bigint: a JSON number whose numeric text matches `^-?[0-9]{1,18}$`, else NULL.
 * - numeric: a JSON number, else NULL.
 * - boolean: a JSON boolean, else NULL.
 * - timestamptz: a JSON number `n` with |n| < 1e11 → `to_timestamp(n)` (microseconds rounded half to
 *   even, as float8_timestamptz does), else NULL.
 * - jsonb: any non-null value, else NULL.
 */
import type { ColumnType } from './columns.ts';

/** The NULL marker of COPY text format. */
export const COPY_NULL = '\\N';

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * `text` as one field of a COPY text-format row (PostgreSQL manual, "COPY", File Formats, Text
 * Format): backslash, tab, newline and carriage return are escaped; every other character is data.
 */
export function copyField(text: string): string {
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : text;
}

/**
 * A JSON text on one line as a COPY field. Inside its strings every control character is escaped (JSON
 * allows no other), so only backslashes need doubling, and the tabs and carriage returns a source may
 * have put between its tokens (JSON whitespace) escaping; JSON.stringify writes neither.
 */
export function copyJson(json: string): string {
  const escaped = json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
  return escaped.includes('\t') || escaped.includes('\r') ? escaped.replaceAll('\t', '\\t').replaceAll('\r', '\\r') : escaped;
}

/**
 * The text Postgres prints for the JSON number `n` once stored in jsonb (numeric output): the decimal
 * expansion of `String(n)` (what JSON.stringify writes), with no exponent; as many decimals as the
 * mantissa has after the point minus the exponent, as numeric_in keeps them. `n` must be finite.
 */
export function numericText(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const point = mantissa.indexOf('.');
  const whole = point < 0 ? mantissa : mantissa.slice(0, point);
  const digits = point < 0 ? mantissa : whole + mantissa.slice(point + 1);
  const at = whole.length + exponent;
  const body =
    at <= 0 ? `0.${'0'.repeat(-at)}${digits}` : at >= digits.length ? digits + '0'.repeat(at - digits.length) : `${digits.slice(0, at)}.${digits.slice(at)}`;
  return negative ? `-${body}` : body;
}

/** jsonb orders object keys by UTF-8 length, then bytewise (lengthCompareJsonbString). */
function compareJsonbKeys(a: string, b: string): number {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length - bb.length || Buffer.compare(ba, bb);
}

/**
 * `value` as jsonb prints it (`data -> 'x'` cast to text): what Postgres gives for JSON.stringify(value)
 * stored as jsonb. Values JSON.stringify leaves out (undefined, functions) are left out here too.
 */
export function jsonbText(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? numericText(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v) => (isOmitted(v) ? 'null' : jsonbText(v))).join(', ')}]`;
      const entries = Object.entries(value).filter(([, v]) => !isOmitted(v));
      entries.sort(([a], [b]) => compareJsonbKeys(a, b));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${jsonbText(v)}`).join(', ')}}`;
    }
    default:
      return 'null';
  }
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * `->>` / `#>>` of a value (see the module rule, text): the text, or undefined for SQL NULL (JSON null,
 * a missing property, or a value JSON.stringify leaves out).
 */
export function textOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? numericText(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? undefined : jsonbText(value);
    default:
      return undefined;
  }
}

const BIGINT_TEXT = /^-?[0-9]{1,18}$/;

/** Seconds from 1970-01-01 to 2000-01-01, the Postgres epoch. */
const POSTGRES_EPOCH_SECONDS = 946_684_800;

/** `Math.round` that rounds halves to even, as C's rint does. */
function rint(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `00` to `99`, for the clock of a timestamp. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => pad(n, 2));

/**
 * The date part of the last timestamp formatted (its days since 1970-01-01, its text with the space
 * before the clock, and the zone after it): the timestamps of a load mostly fall on a few days.
 */
let lastDay = Number.NaN;
let lastDate = '';
let lastZone = '';

/**
 * `to_timestamp(n)` as a timestamptz literal in UTC, e.g. `2023-11-14 22:13:20.5+00`, or
 * `0044-03-15 12:00:00+00 BC`: microseconds since 2000-01-01 are rint((n - 946684800) * 1e6) in
 * double precision, exactly as float8_timestamptz computes them. `n` must be finite, |n| < 1e11.
 */
export function timestampText(n: number): string {
  // Whole seconds within ±126 years of 1970: the microseconds are exact, no rounding to mirror.
  if (Number.isInteger(n) && Math.abs(n) < 4e9) return formatTimestamp(n, 0);
  const micros = BigInt(rint((n - POSTGRES_EPOCH_SECONDS) * 1e6)) + BigInt(POSTGRES_EPOCH_SECONDS) * 1_000_000n;
  let seconds = micros / 1_000_000n;
  let fraction = micros - seconds * 1_000_000n;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += 1_000_000n;
  }
  return formatTimestamp(Number(seconds), Number(fraction));
}

/** `total` whole seconds since 1970-01-01 plus `micro` microseconds (0-999999), as a UTC timestamptz literal. */
function formatTimestamp(total: number, micro: number): string {
  const days = Math.floor(total / 86_400);
  const time = total - days * 86_400;
  if (days !== lastDay) {
    // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms").
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    lastDate = `${pad(year > 0 ? year : 1 - year, 4)}-${pad(month, 2)}-${pad(day, 2)} `;
    lastZone = year > 0 ? '+00' : '+00 BC';
    lastDay = days;
  }
  const minutes = Math.floor(time / 60);
  const clock = `${TWO_DIGITS[Math.floor(minutes / 60)]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[time - minutes * 60]}`;
  return `${lastDate}${clock}${micro === 0 ? '' : `.${pad(micro, 6)}`}${lastZone}`;
}

/**
 * The COPY text-format field of a column of `type` holding `value` (a top-level property of a parsed
 * record; undefined when missing): see the module rule. Never throws; a misfit gives `\N` (NULL).
 */
export function typedField(type: ColumnType, value: unknown): string {
  switch (type) {
    case 'text': {
      if (typeof value === 'string') return copyField(value);
      const text = textOf(value);
      return text === undefined ? COPY_NULL : copyField(text);
    }
    case 'jsonb': {
      if (value === undefined || value === null) return COPY_NULL;
      const json = JSON.stringify(value) as string | undefined;
      return json === undefined || json === 'null' ? COPY_NULL : copyJson(json);
    }
    case 'boolean':
      return typeof value === 'boolean' ? (value ? 't' : 'f') : COPY_NULL;
    case 'numeric':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : COPY_NULL;
    case 'bigint': {
      // A safe integer prints as at most 16 digits, never with an exponent.
      if (Number.isSafeInteger(value)) return String(value);
      if (typeof value !== 'number' || !Number.isFinite(value)) return COPY_NULL;
      const text = numericText(value);
      return BIGINT_TEXT.test(text) ? text : COPY_NULL;
    }
    case 'timestamptz':
      return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 1e11 ? timestampText(value) : COPY_NULL;
  }
}
