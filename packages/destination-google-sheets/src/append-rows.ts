/**
 * Appending rows to a tab exactly once. `values.append` writes after the last row holding a value
 * (https://developers.google.com/sheets/api/guides/values#append_values), so the destination keeps
 * that row number (`lastRow`) for every tab it appends to: learned once per run by `findLastRow`,
 * then moved by each append and deletion. After an ambiguous failure, the rows below `lastRow` tell
 * what happened: none means the append was not applied (it is sent again); exactly the rows sent
 * means it was. Comparing at that position, not just the tail of the tab, keeps an append of rows
 * identical to the ones before them (append mode repeats records) from being taken for applied.
 */
import { ConnectorError } from '@sync/connector-kit';
import type { CellValue, SheetsApi } from './api.ts';
import { columnLetters, quoted } from './cells.ts';
import { writeOnce } from './write-once.ts';

/** Rows read by the first window of `findLastRow`; each further window is 4 times larger. */
const FIRST_WINDOW_ROWS = 100;

/**
 * The 1-based number of the last row of a tab holding a value in any column of the grid, 0 for an
 * empty tab. Reads windows of rows upward from the end of the grid (`rowCount`), the first one
 * open-ended so that rows added since `rowCount` was read are seen too; a tab whose grid ends at its
 * data (as one grown by appends does) takes one small read.
 */
export async function findLastRow(api: SheetsApi, spreadsheetId: string, title: string, grid: { rowCount: number; columnCount: number }): Promise<number> {
  const lastColumn = columnLetters(Math.max(grid.columnCount, 1) - 1);
  let end = Math.max(grid.rowCount, 1);
  let start = Math.max(1, end - FIRST_WINDOW_ROWS + 1);
  let range = `${quoted(title)}!A${start}:${lastColumn}`;
  for (let window = FIRST_WINDOW_ROWS; ; window *= 4) {
    const rows = await api.get(spreadsheetId, range);
    if (rows.length > 0) return start + rows.length - 1;
    if (start === 1) return 0;
    end = start - 1;
    start = Math.max(1, end - window * 4 + 1);
    range = `${quoted(title)}!A${start}:${lastColumn}${end}`;
  }
}

/** Where to append: a tab and the last row holding a value before the append. */
export interface AppendTarget {
  spreadsheetId: string;
  title: string;
  lastRow: number;
}

/** Where appended rows went: the first one's row number, and the tab's new last row holding a value. */
export interface AppendResult {
  first: number;
  lastRow: number;
}

/**
 * Appends `rows` (each as wide as the header) after `target.lastRow`, exactly once: resent after a
 * failure only when a read-back shows the rows are not there.
 *
 * @returns the row number of the first appended row and the tab's new last row holding a value.
 * @throws ConnectorError system_error when the rows below `lastRow` are neither empty nor the rows
 *   sent (someone else wrote to the tab meanwhile); AmbiguousWriteError when resends run out.
 */
export async function appendOnce(api: SheetsApi, target: AppendTarget, rows: CellValue[][]): Promise<AppendResult> {
  const { spreadsheetId, title, lastRow } = target;
  const visible = trimRows(rows);
  const after = (first: number): AppendResult => ({ first, lastRow: visible.length > 0 ? first - 1 + visible.length : lastRow });
  const width = rows.reduce((w, r) => Math.max(w, r.length), 1);
  return writeOnce<AppendResult>(
    async () => after(await api.append(spreadsheetId, `${quoted(title)}!A1`, rows)),
    async () => {
      // Rows with no value at all leave no trace to find; sending them again would change nothing visible.
      if (visible.length === 0) return { applied: true, result: after(lastRow + 1) };
      // Read from `lastRow` itself, which is in the grid: a tab whose grid ends at its data has no row
      // `lastRow + 1` until the append adds it, and Sheets refuses a read starting outside the grid.
      const from = Math.max(lastRow, 1);
      const read = await api.get(spreadsheetId, `${quoted(title)}!A${from}:${columnLetters(width - 1)}`);
      const below = trimRows(from === lastRow ? read.slice(1) : read);
      if (below.length === 0) return { applied: false };
      if (sameRows(below, visible)) return { applied: true, result: after(lastRow + 1) };
      throw new ConnectorError(
        `tab '${title}' changed while the destination appended to it: the rows after row ${lastRow} are not the ${rows.length} it sent; ` +
          'make sure nothing else writes to the tab during a sync, then run the sync again',
        { failureType: 'system_error', stream: title },
      );
    },
    api.retry,
  );
}

/** Rows as `values.get` returns them: trailing empty cells of each row and trailing empty rows left out. */
function trimRows(rows: readonly (readonly CellValue[])[]): CellValue[][] {
  const out = rows.map((row) => {
    let end = row.length;
    while (end > 0 && row[end - 1] === '') end--;
    return row.slice(0, end);
  });
  while (out.length > 0 && out[out.length - 1]!.length === 0) out.pop();
  return out;
}

function sameRows(a: readonly (readonly CellValue[])[], b: readonly (readonly CellValue[])[]): boolean {
  return a.length === b.length && a.every((row, i) => row.length === b[i]!.length && row.every((cell, j) => sameCell(cell, b[i]![j]!)));
}

/** Equal cells; numbers to 15 significant digits, as Sheets (like Excel) keeps no more, so a longer one may come back rounded. */
function sameCell(a: CellValue, b: CellValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || a.toPrecision(15) === b.toPrecision(15);
  return a === b;
}
