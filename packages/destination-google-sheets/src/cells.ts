/**
 * Turning record values into cells, and A1 ranges for a tab. Sheets holds at most 50,000
 * characters in a cell (https://support.google.com/drive/answer/37603): a longer value is cut and
 * ends with a visible marker, never a failed run.
 */
import type { CellValue } from './api.ts';

export const MAX_CELL_CHARACTERS = 50_000;

/** The marker ending a cut value, e.g. `…[truncated: 73,210 characters]`. */
export function truncationMarker(length: number): string {
  return `…[truncated: ${length.toLocaleString('en-US')} characters]`;
}

/** A value as a cell: empty for null/undefined, JSON text for objects and arrays, cut to the cell limit. */
export function toCell(value: unknown): CellValue {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= MAX_CELL_CHARACTERS) return text;
  const marker = truncationMarker(text.length);
  let cut = MAX_CELL_CHARACTERS - marker.length;
  // Do not split a surrogate pair.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return text.slice(0, cut) + marker;
}

/** 0 → `A`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** A sheet title quoted for A1 notation: `'customers'`, `'It''s'`. */
export function quoted(title: string): string {
  return `'${title.replaceAll("'", "''")}'`;
}

/** `'tab'!A5:K5` — one row (1-based) of `width` columns. */
export function rowRange(title: string, row: number, width: number): string {
  return `${quoted(title)}!A${row}:${columnLetters(Math.max(width, 1) - 1)}${row}`;
}

/** Splits `items` into runs whose summed `size` stays under `max` (each run holds at least one item). */
export function chunkBySize<T>(items: readonly T[], size: (item: T) => number, max: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const s = size(item);
    if (current.length > 0 && total + s > max) {
      chunks.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += s;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Approximate payload size of a row in characters. */
export function rowSize(row: readonly CellValue[]): number {
  let n = 2;
  for (const v of row) n += (typeof v === 'string' ? v.length : 8) + 3;
  return n;
}

/**
 * A primary key as one string, the same whether its parts come from a record (objects as JSON text,
 * as `toCell` writes them) or from the cells of a row: `["cus_1"]`, `["7","2024"]`.
 */
export function keyString(parts: readonly unknown[]): string {
  return JSON.stringify(parts.map((p) => String(typeof p === 'object' && p !== null ? JSON.stringify(p) : p)));
}
