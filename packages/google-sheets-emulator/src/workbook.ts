/**
 * The in-memory spreadsheets of the emulator and the operations the Sheets API v4 performs on them,
 * with Sheets' limits (https://support.google.com/drive/answer/37603): 10 million cells per
 * spreadsheet, counted on the grid (rows × columns of every sheet), and 50,000 characters per cell.
 */
import { formatA1, parseA1, type GridRange } from './a1.ts';

export type CellValue = string | number | boolean;

export interface Sheet {
  sheetId: number;
  title: string;
  rowCount: number;
  columnCount: number;
  /** Row-major values; shorter than the grid where the rest is empty. */
  rows: (CellValue | undefined)[][];
}

export interface Spreadsheet {
  spreadsheetId: string;
  title: string;
  sheets: Sheet[];
  nextSheetId: number;
}

/** A failure the API reports as `{ error: { code, message, status } }`. */
export class ApiError extends Error {
  readonly code: number;
  readonly status: string;
  constructor(code: number, status: string, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const invalid = (message: string) => new ApiError(400, 'INVALID_ARGUMENT', message);

export interface Limits {
  maxCells: number;
  maxCellCharacters: number;
}

export function cellCount(spreadsheet: Spreadsheet): number {
  return spreadsheet.sheets.reduce((n, s) => n + s.rowCount * s.columnCount, 0);
}

export function assertCellLimit(spreadsheet: Spreadsheet, limits: Limits): void {
  if (cellCount(spreadsheet) > limits.maxCells) {
    throw invalid(`This action would increase the number of cells in the workbook above the limit of ${limits.maxCells} cells.`);
  }
}

export function sheetProperties(sheet: Sheet, index: number): Record<string, unknown> {
  return {
    sheetId: sheet.sheetId,
    title: sheet.title,
    index,
    sheetType: 'GRID',
    gridProperties: { rowCount: sheet.rowCount, columnCount: sheet.columnCount },
  };
}

export function resolveRange(spreadsheet: Spreadsheet, text: string): { sheet: Sheet; range: GridRange } {
  const range = parseA1(text);
  if (!range) throw invalid(`Unable to parse range: ${text}`);
  const sheet = range.sheet === undefined ? spreadsheet.sheets[0] : spreadsheet.sheets.find((s) => s.title === range.sheet);
  if (!sheet) throw invalid(`Unable to parse range: ${text}`);
  return { sheet, range };
}

/** The last row that holds a value, plus one (0 for an empty sheet). */
export function usedRows(sheet: Sheet): number {
  for (let r = sheet.rows.length - 1; r >= 0; r--) {
    if (sheet.rows[r]?.some((v) => v !== undefined && v !== '')) return r + 1;
  }
  return 0;
}

/** A value as FORMATTED_VALUE renders it in the en_US locale: booleans as `TRUE`/`FALSE`. */
function formatCell(value: CellValue): string {
  return typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);
}

/**
 * Values in a range, trailing empty rows and cells trimmed, as `values.get` returns them. A range
 * ending past the grid is cut to it; one starting past it is an error, as in Sheets.
 */
export function readRange(sheet: Sheet, range: GridRange, formatted: boolean): { a1: string; values: CellValue[][] } {
  if (range.startRow >= sheet.rowCount || range.startColumn >= sheet.columnCount) {
    const a1 = formatA1(sheet.title, range.startRow, range.startColumn, range.startRow + 1, range.startColumn + 1).replace(/:.*$/, '');
    throw invalid(`Range (${a1}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`);
  }
  const endRow = Math.min(range.endRow ?? sheet.rowCount, sheet.rowCount);
  const endColumn = Math.min(range.endColumn ?? sheet.columnCount, sheet.columnCount);
  const values: CellValue[][] = [];
  for (let r = range.startRow; r < endRow; r++) {
    const row = sheet.rows[r] ?? [];
    const out: CellValue[] = [];
    for (let c = range.startColumn; c < endColumn; c++) {
      const v = row[c];
      out.push(v === undefined ? '' : formatted ? formatCell(v) : v);
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    values.push(out);
  }
  while (values.length > 0 && values[values.length - 1]!.length === 0) values.pop();
  return { a1: formatA1(sheet.title, range.startRow, range.startColumn, Math.max(endRow, range.startRow + 1), Math.max(endColumn, range.startColumn + 1)), values };
}

function checkValues(values: unknown, limits: Limits): (CellValue | null)[][] {
  if (!Array.isArray(values)) throw invalid('Invalid values: expected an array of rows');
  for (const row of values) {
    if (!Array.isArray(row)) throw invalid('Invalid values: expected an array of rows');
    for (const v of row) {
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw invalid(`Invalid values[][]: ${JSON.stringify(v)}`);
      }
      if (typeof v === 'string' && v.length > limits.maxCellCharacters) {
        throw invalid(`Your input contains more than the maximum of ${limits.maxCellCharacters} characters in a single cell.`);
      }
    }
  }
  return values as (CellValue | null)[][];
}

/**
 * Writes `values` at the top-left of `range` (`values.update`): a null cell is left unchanged, as in
 * Sheets. Writing outside the grid is an error; `values.append` grows the grid instead.
 */
export function writeRange(sheet: Sheet, range: GridRange, rawValues: unknown, limits: Limits): { a1: string; rows: number; columns: number; cells: number } {
  const values = checkValues(rawValues, limits);
  const width = values.reduce((w, row) => Math.max(w, row.length), 0);
  const endRow = range.startRow + values.length;
  const endColumn = range.startColumn + width;
  if (endRow > sheet.rowCount || endColumn > sheet.columnCount) {
    throw invalid(`Range (${formatA1(sheet.title, range.startRow, range.startColumn, endRow, endColumn)}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`);
  }
  let cells = 0;
  values.forEach((row, i) => {
    const r = range.startRow + i;
    const target = (sheet.rows[r] ??= []);
    row.forEach((v, j) => {
      if (v === null) return;
      target[range.startColumn + j] = v;
      cells++;
    });
  });
  for (let r = 0; r < sheet.rows.length; r++) sheet.rows[r] ??= [];
  return { a1: formatA1(sheet.title, range.startRow, range.startColumn, Math.max(endRow, range.startRow + 1), Math.max(endColumn, range.startColumn + 1)), rows: values.length, columns: width, cells };
}

/**
 * `values.append`: writes after the last row holding a value at or below the range's start, growing
 * the grid by the rows needed (INSERT_ROWS semantics for a table at the end of the sheet).
 */
export function appendRows(spreadsheet: Spreadsheet, sheet: Sheet, range: GridRange, rawValues: unknown, limits: Limits) {
  const values = checkValues(rawValues, limits);
  const start = Math.max(usedRows(sheet), range.startRow);
  const needed = start + values.length;
  if (needed > sheet.rowCount) {
    const before = sheet.rowCount;
    sheet.rowCount = needed;
    try {
      assertCellLimit(spreadsheet, limits);
    } catch (error) {
      sheet.rowCount = before;
      throw error;
    }
  }
  return writeRange(sheet, { ...range, startRow: start, endRow: undefined }, values, limits);
}

/** Applies one `spreadsheets.batchUpdate` request; returns its reply. */
export function applyRequest(spreadsheet: Spreadsheet, request: Record<string, unknown>, limits: Limits): Record<string, unknown> {
  const [kind, body] = Object.entries(request)[0] ?? [];
  const b = (body ?? {}) as { properties?: unknown; sheetId?: number; dimension?: string; length?: unknown; range?: unknown; fields?: string };
  const sheetById = (id: unknown): Sheet => {
    const sheet = spreadsheet.sheets.find((s) => s.sheetId === (id ?? 0));
    if (!sheet) throw invalid(`No grid with id: ${String(id)}`);
    return sheet;
  };
  switch (kind) {
    case 'addSheet': {
      const props = (b.properties ?? {}) as { title?: string; sheetId?: number; gridProperties?: { rowCount?: number; columnCount?: number } };
      const title = props.title ?? `Sheet${spreadsheet.sheets.length + 1}`;
      if (spreadsheet.sheets.some((s) => s.title.toLowerCase() === title.toLowerCase())) {
        throw invalid(`Invalid requests[0].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`);
      }
      const sheet: Sheet = {
        sheetId: props.sheetId ?? spreadsheet.nextSheetId++,
        title,
        rowCount: props.gridProperties?.rowCount ?? 1000,
        columnCount: props.gridProperties?.columnCount ?? 26,
        rows: [],
      };
      spreadsheet.sheets.push(sheet);
      assertCellLimit(spreadsheet, limits);
      return { addSheet: { properties: sheetProperties(sheet, spreadsheet.sheets.length - 1) } };
    }
    case 'appendDimension': {
      const sheet = sheetById(b.sheetId);
      const length = Number(b.length);
      if (!Number.isInteger(length) || length < 1) throw invalid('Invalid requests[0].appendDimension: length must be positive');
      if (b.dimension === 'ROWS') sheet.rowCount += length;
      else if (b.dimension === 'COLUMNS') sheet.columnCount += length;
      else throw invalid('Invalid requests[0].appendDimension: dimension must be ROWS or COLUMNS');
      assertCellLimit(spreadsheet, limits);
      return {};
    }
    case 'deleteDimension': {
      const r = (b.range ?? {}) as { sheetId?: number; dimension?: string; startIndex?: number; endIndex?: number };
      const sheet = sheetById(r.sheetId);
      const start = r.startIndex ?? 0;
      const size = r.dimension === 'ROWS' ? sheet.rowCount : sheet.columnCount;
      const end = r.endIndex ?? size;
      if (start < 0 || end > size || start >= end) throw invalid(`Invalid requests[0].deleteDimension: range ${start}:${end} is outside the grid (${size})`);
      if (r.dimension === 'ROWS') {
        if (end - start >= sheet.rowCount) throw invalid('Invalid requests[0].deleteDimension: You can\'t delete all the rows on the sheet.');
        sheet.rows.splice(start, end - start);
        sheet.rowCount -= end - start;
      } else if (r.dimension === 'COLUMNS') {
        if (end - start >= sheet.columnCount) throw invalid('Invalid requests[0].deleteDimension: You can\'t delete all the columns on the sheet.');
        sheet.rows = sheet.rows.map((row) => row.filter((_, c) => c < start || c >= end));
        sheet.columnCount -= end - start;
      } else {
        throw invalid('Invalid requests[0].deleteDimension: dimension must be ROWS or COLUMNS');
      }
      return {};
    }
    case 'updateSheetProperties': {
      const props = (b.properties ?? {}) as { sheetId?: number; title?: string; gridProperties?: { rowCount?: number; columnCount?: number } };
      const sheet = sheetById(props.sheetId);
      const fields = String(b.fields ?? '*');
      const has = (f: string) => fields === '*' || fields.split(',').some((x) => x.trim() === f || f.startsWith(`${x.trim()}.`));
      if (has('title') && props.title !== undefined) sheet.title = props.title;
      if (has('gridProperties.rowCount') && props.gridProperties?.rowCount !== undefined) {
        sheet.rowCount = props.gridProperties.rowCount;
        sheet.rows.length = Math.min(sheet.rows.length, sheet.rowCount);
      }
      if (has('gridProperties.columnCount') && props.gridProperties?.columnCount !== undefined) {
        sheet.columnCount = props.gridProperties.columnCount;
        const width = sheet.columnCount;
        sheet.rows = sheet.rows.map((row) => row.slice(0, width));
      }
      assertCellLimit(spreadsheet, limits);
      return {};
    }
    default:
      throw invalid(`Invalid requests[0]: the emulator does not support ${String(kind)}`);
  }
}

/**
 * A copy deep enough that a failed batchUpdate can be rolled back: `applyRequest` never mutates a
 * row array, it replaces them, so copying the list of rows suffices.
 */
export function snapshot(spreadsheet: Spreadsheet): Spreadsheet {
  return { ...spreadsheet, sheets: spreadsheet.sheets.map((s) => ({ ...s, rows: [...s.rows] })) };
}
