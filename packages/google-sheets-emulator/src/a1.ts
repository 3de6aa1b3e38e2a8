/**
 * A1 notation, as the Sheets API reads it (https://developers.google.com/sheets/api/guides/concepts#cell):
 * `Sheet1!A1:C10`, `'My sheet'!A:C`, `Sheet1!2:5`, `Sheet1!A2`, `Sheet1!A2:C` (open-ended), or a
 * bare sheet name for the whole sheet. Rows and columns here are 0-based; ends are exclusive and
 * `undefined` when open.
 */

export interface GridRange {
  /** Sheet title, or undefined when the range names none (the first sheet). */
  sheet: string | undefined;
  startRow: number;
  startColumn: number;
  endRow: number | undefined;
  endColumn: number | undefined;
}

/** `A` → 0, `Z` → 25, `AA` → 26. */
export function columnIndex(letters: string): number {
  let n = 0;
  for (const c of letters.toUpperCase()) n = n * 26 + (c.charCodeAt(0) - 64);
  return n - 1;
}

/** 0 → `A`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** `'It''s'` for a title that needs quoting, else the title itself. */
export function quoteSheetTitle(title: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) ? title : `'${title.replaceAll("'", "''")}'`;
}

const CELL = /^([A-Za-z]*)(\d*)$/;

/** Parses an A1 range; returns undefined when it is not one. */
export function parseA1(text: string): GridRange | undefined {
  let sheet: string | undefined;
  let cells = text;
  const quoted = /^'((?:[^']|'')*)'(?:!(.*))?$/.exec(text);
  if (quoted) {
    sheet = quoted[1]!.replaceAll("''", "'");
    cells = quoted[2] ?? '';
  } else {
    const bang = text.lastIndexOf('!');
    if (bang >= 0) {
      sheet = text.slice(0, bang);
      cells = text.slice(bang + 1);
    } else if (!/^[A-Za-z]*\d*(:[A-Za-z]*\d*)?$/.test(text) || text === '') {
      return { sheet: text, startRow: 0, startColumn: 0, endRow: undefined, endColumn: undefined };
    }
  }
  if (cells === '') return { sheet, startRow: 0, startColumn: 0, endRow: undefined, endColumn: undefined };
  const [from, to] = cells.split(':');
  const a = CELL.exec(from ?? '');
  const b = to === undefined ? a : CELL.exec(to);
  if (!a || !b || (a[1] === '' && a[2] === '')) return undefined;
  const startColumn = a[1] ? columnIndex(a[1]) : 0;
  const startRow = a[2] ? Number(a[2]) - 1 : 0;
  const endColumn = b[1] ? columnIndex(b[1]) + 1 : to === undefined && a[1] ? startColumn + 1 : undefined;
  const endRow = b[2] ? Number(b[2]) : to === undefined && a[2] ? startRow + 1 : undefined;
  if (startRow < 0) return undefined;
  return { sheet, startRow, startColumn, endRow, endColumn };
}

/** Formats a 0-based, end-exclusive range as A1: `'My sheet'!A2:C10`. */
export function formatA1(sheet: string, startRow: number, startColumn: number, endRow: number, endColumn: number): string {
  return `${quoteSheetTitle(sheet)}!${columnLetters(startColumn)}${startRow + 1}:${columnLetters(endColumn - 1)}${endRow}`;
}
