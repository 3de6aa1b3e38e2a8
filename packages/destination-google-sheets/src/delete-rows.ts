/**
 * Deleting rows of a tab exactly once. `deleteDimension` deletes by position, so running it twice
 * deletes the rows that moved into the deleted ones' place. Every row the destination deletes holds a
 * primary key it knows (a deleted record's, or a key repeated on a later row), and a key is on one row
 * only among the rows it keeps. So after an ambiguous failure, reading the key at the first row of
 * each deleted range tells what happened: still the deleted key everywhere means the batch was not
 * applied (it is sent again); nowhere means it was (a batchUpdate is applied whole or not at all,
 * https://developers.google.com/sheets/api/guides/batchupdate).
 */
import { ConnectorError } from '@sync/connector-kit';
import type { SheetsApi } from './api.ts';
import { columnLetters, keyString, quoted } from './cells.ts';
import { writeOnce } from './write-once.ts';

/** Ranges per batchUpdate. */
const RANGES_PER_REQUEST = 500;

/** A row to delete (1-based) and the primary key it holds (`keyString` of its key cells). */
export interface RowToDelete {
  row: number;
  key: string;
}

/** The tab rows are deleted from: its id, title and the 0-based columns of its primary key. */
export interface DeleteTarget {
  spreadsheetId: string;
  sheetId: number;
  title: string;
  keyColumns: readonly number[];
}

interface RowRange {
  /** First row, 1-based. */
  start: number;
  /** Row after the last, 1-based. */
  end: number;
  /** The key held by `start`. */
  key: string;
}

/**
 * Deletes `rows`, each once: contiguous rows as one range, highest first so that a deletion never
 * moves a row still to delete, in batches of 500 ranges.
 *
 * @returns the deleted row numbers, ascending (to renumber an index with `rowAfterDeletes`).
 * @throws ConnectorError system_error when a read-back finds some deleted keys still there and others
 *   gone (someone else edits the tab); AmbiguousWriteError when resends run out.
 */
export async function deleteRowsOnce(api: SheetsApi, target: DeleteTarget, rows: readonly RowToDelete[]): Promise<number[]> {
  const byRow = new Map(rows.map((r) => [r.row, r.key]));
  const descending = [...byRow.keys()].sort((a, b) => b - a);
  const ranges: RowRange[] = [];
  for (const row of descending) {
    const last = ranges[ranges.length - 1];
    if (last && last.start === row + 1) {
      last.start = row;
      last.key = byRow.get(row)!;
    } else {
      ranges.push({ start: row, end: row + 1, key: byRow.get(row)! });
    }
  }
  for (let i = 0; i < ranges.length; i += RANGES_PER_REQUEST) {
    const batch = ranges.slice(i, i + RANGES_PER_REQUEST);
    await writeOnce(
      async () => {
        await api.batchUpdate(
          target.spreadsheetId,
          batch.map((r) => ({ deleteDimension: { range: { sheetId: target.sheetId, dimension: 'ROWS', startIndex: r.start - 1, endIndex: r.end - 1 } } })),
        );
      },
      async () => {
        const stillThere = await keysStillAtStart(api, target, batch);
        if (stillThere === batch.length) return { applied: false };
        if (stillThere === 0) return { applied: true, result: undefined };
        throw new ConnectorError(
          `tab '${target.title}' changed while the destination deleted rows from it: ${stillThere} of ${batch.length} rows to delete still hold their key, ` +
            'the others do not; make sure nothing else writes to the tab during a sync, then run the sync again',
          { failureType: 'system_error', stream: target.title },
        );
      },
      api.retry,
    );
  }
  return descending.reverse();
}

/** How many ranges' first rows still hold the key they held before the deletion. */
async function keysStillAtStart(api: SheetsApi, target: DeleteTarget, batch: readonly RowRange[]): Promise<number> {
  // From the row above the lowest range, which no deletion of this batch moves or removes (deleted rows
  // are below the header): an applied batch may have shrunk the grid below the ranges' first rows,
  // and Sheets refuses a read starting outside the grid.
  const from = Math.min(...batch.map((r) => r.start)) - 1;
  const left = Math.min(...target.keyColumns);
  const right = Math.max(...target.keyColumns);
  const cells = await api.get(target.spreadsheetId, `${quoted(target.title)}!${columnLetters(left)}${from}:${columnLetters(right)}`);
  return batch.filter((r) => {
    const row = cells[r.start - from] ?? [];
    return keyString(target.keyColumns.map((c) => row[c - left] ?? '')) === r.key;
  }).length;
}

/**
 * The number a row has once the rows in `deletedAscending` are gone: one less for each deleted row
 * above it (deleted rows themselves are not asked about).
 */
export function rowAfterDeletes(row: number, deletedAscending: readonly number[]): number {
  let lo = 0;
  let hi = deletedAscending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (deletedAscending[mid]! < row) lo = mid + 1;
    else hi = mid;
  }
  return row - lo;
}
