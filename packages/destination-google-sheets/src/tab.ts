/**
 * One stream's tab: its header, an index from primary key to row number, and the records buffered
 * since the last flush.
 *
 * Layout: row 1 is the header — primary key columns first (a nested key path joined with `.`),
 * then the stream's top-level schema properties in schema order. A property first seen later (in
 * the schema or in a record) gets a new column at the end; columns are never reordered or removed.
 * Nested values are JSON text.
 *
 * Deletes: in a dedup tab, a record that is a delete (`isDeletedRecord`: `_deleted: true`, Stripe's
 * `deleted: true`, or Airbyte CDC's `_ab_cdc_deleted_at`) removes its key's row. In an append tab it
 * is a row like any other, its `_deleted` column marking it.
 *
 * Writes that must not run twice (appends, row deletions, new columns) go through `writeOnce`: after
 * an ambiguous failure the tab is read back and only what is missing is written.
 *
 * Duplicate keys: a dedup tab holds one row per primary key. When the sheet already repeats a key
 * (edited by hand, or appended to by another tool), `open` keeps the first row of the key and
 * deletes the later ones; the kept row is then updated in place like any other.
 *
 * Memory: the index keeps only keys, row numbers and cursor values, never row data, so it grows by
 * tens of bytes per row; buffered records are bounded by the batch size.
 */
import { DELETED_FIELD, isDeletedRecord, type ConfiguredAirbyteStream } from '@sync/protocol';
import { ConfigError, valueAt } from '@sync/connector-kit';
import type { CellValue, SheetsApi } from './api.ts';
import { appendOnce, findLastRow } from './append-rows.ts';
import { chunkBySize, columnLetters, keyString, quoted, rowRange, rowSize, toCell } from './cells.ts';
import { deleteRowsOnce, rowAfterDeletes, type RowToDelete } from './delete-rows.ts';
import { writeOnce } from './write-once.ts';

/** Characters of cell text per write request (Sheets advises payloads of about 2 MB). */
export const MAX_REQUEST_CHARACTERS = 2_000_000;
/** Rows read per request when loading the index of an existing tab. */
const INDEX_PAGE_ROWS = 50_000;

interface Pending {
  data: Record<string, unknown>;
  deleted: boolean;
}

export interface TabPlan {
  stream: string;
  /** Primary key paths; empty for append mode. */
  primaryKey: readonly (readonly string[])[];
  /** Cursor path for newer-wins, if any. */
  cursorPath: readonly string[] | undefined;
  /** Columns the schema asks for, primary key first. */
  columns: string[];
  dedup: boolean;
}

/** Plans the tab of a configured stream. */
export function planTab(configured: ConfiguredAirbyteStream): TabPlan {
  const stream = configured.stream.name;
  const primaryKey = configured.primary_key?.length ? configured.primary_key : (configured.stream.source_defined_primary_key ?? []);
  const dedup = configured.destination_sync_mode === 'append_dedup' || configured.destination_sync_mode === 'update';
  if (dedup && primaryKey.length === 0) {
    throw new ConfigError(`stream '${stream}' is append_dedup but has no primary key; set primary_key in the configured catalog`, { stream });
  }
  const cursor = configured.cursor_field?.length ? configured.cursor_field : configured.stream.default_cursor_field;
  const keyColumns = primaryKey.map((path) => path.join('.'));
  const properties = Object.keys((configured.stream.json_schema.properties ?? {}) as Record<string, unknown>);
  return {
    stream,
    primaryKey: dedup ? primaryKey : [],
    cursorPath: cursor && cursor.length > 0 ? cursor : undefined,
    columns: [...keyColumns, ...properties.filter((p) => !keyColumns.includes(p))],
    dedup,
  };
}

/** Newer wins; an equal or missing cursor lets the later record win. */
function isNewerOrEqual(incoming: unknown, stored: CellValue | undefined): boolean {
  if (incoming === undefined || incoming === null || stored === undefined || stored === '') return true;
  if (typeof incoming === 'number' && typeof stored === 'number') return incoming >= stored;
  const a = typeof incoming === 'number' ? incoming : String(incoming);
  const b = typeof stored === 'number' ? stored : String(stored);
  if (typeof a === 'number' && !Number.isNaN(Number(b))) return a >= Number(b);
  return String(a) >= String(b);
}

export class Tab {
  readonly plan: TabPlan;
  readonly title: string;
  sheetId: number;
  rowCount: number;
  columnCount: number;
  #header: string[] = [];
  #headerWritten = 0;
  /** primary key → 1-based row number. */
  readonly #rows = new Map<string, number>();
  /** primary key → cursor value of its row. */
  readonly #cursors = new Map<string, CellValue>();
  /** The last row holding a value (1-based), once learned: where the next append goes after. */
  #lastRow: number | undefined;
  #pendingByKey = new Map<string, Pending>();
  #pendingAppend: Record<string, unknown>[] = [];

  constructor(plan: TabPlan, sheet: { sheetId: number; rowCount: number; columnCount: number }) {
    this.plan = plan;
    this.title = plan.stream;
    this.sheetId = sheet.sheetId;
    this.rowCount = sheet.rowCount;
    this.columnCount = sheet.columnCount;
  }

  /** Rows indexed by primary key. */
  get indexedRows(): number {
    return this.#rows.size;
  }

  get header(): readonly string[] {
    return this.#header;
  }

  get buffered(): number {
    return this.#pendingByKey.size + this.#pendingAppend.length;
  }

  /** 0-based columns of the primary key in the header (dedup tabs). */
  #keyColumns(): number[] {
    return this.plan.primaryKey.map((path) => this.#header.indexOf(path.join('.')));
  }

  /**
   * Reads the existing header and, for a dedup tab, builds the key index from the sheet, deleting
   * rows that repeat a key already on an earlier row (the first row of each key stays).
   *
   * @returns how many such duplicate rows were deleted (0 for an append tab).
   * @throws ConfigError when a dedup tab's header lacks a primary key column.
   */
  async open(api: SheetsApi, spreadsheetId: string): Promise<{ duplicatesDeleted: number }> {
    const [first] = await api.get(spreadsheetId, `${quoted(this.title)}!1:1`);
    this.#header = (first ?? []).map(String);
    this.#headerWritten = this.#header.length;
    for (const column of this.plan.columns) if (!this.#header.includes(column)) this.#header.push(column);
    if (!this.plan.dedup || this.#headerWritten === 0) return { duplicatesDeleted: 0 };
    const keyColumns = this.#keyColumns();
    keyColumns.forEach((index, k) => {
      if (index < 0 || index >= this.#headerWritten) {
        const name = this.plan.primaryKey[k]!.join('.');
        throw new ConfigError(`tab '${this.title}' has a header without the primary key column '${name}'; rename or delete the tab`, { stream: this.title });
      }
    });
    const cursorName = this.plan.cursorPath?.join('.');
    const cursorColumn = cursorName !== undefined && this.#header.indexOf(cursorName) < this.#headerWritten ? this.#header.indexOf(cursorName) : -1;
    const duplicates: RowToDelete[] = [];
    // Pages end at the grid's last row: Sheets refuses a read starting outside the grid.
    for (let start = 2; start <= this.rowCount; start += INDEX_PAGE_ROWS) {
      const end = start + INDEX_PAGE_ROWS - 1;
      const columns = await Promise.all(
        [...keyColumns, ...(cursorColumn >= 0 ? [cursorColumn] : [])].map(async (c) =>
          (await api.get(spreadsheetId, `${quoted(this.title)}!${columnLetters(c)}${start}:${columnLetters(c)}${end}`)).map((row) => row[0]),
        ),
      );
      const length = Math.max(0, ...columns.map((c) => c.length));
      for (let i = 0; i < length; i++) {
        const parts = keyColumns.map((_, k) => columns[k]![i]);
        if (parts.some((p) => p === undefined || p === '')) continue;
        const key = keyString(parts);
        if (this.#rows.has(key)) {
          duplicates.push({ row: start + i, key });
          continue;
        }
        this.#rows.set(key, start + i);
        const cursor = cursorColumn >= 0 ? columns[keyColumns.length]![i] : undefined;
        if (cursor !== undefined) this.#cursors.set(key, cursor);
      }
      if (length < INDEX_PAGE_ROWS) break;
    }
    // Deleted only once every page is read, so the row numbers of later pages stay valid.
    if (duplicates.length > 0) await this.#deleteRows(api, spreadsheetId, duplicates);
    return { duplicatesDeleted: duplicates.length };
  }

  /**
   * Buffers one record. In a dedup tab a delete (`isDeletedRecord`) removes its row and adds no
   * column; in an append tab every field, `_deleted` included, is a column.
   */
  add(data: Record<string, unknown>): void {
    if (!this.plan.dedup) {
      this.#addColumns(data);
      this.#pendingAppend.push(data);
      return;
    }
    const parts = this.plan.primaryKey.map((path) => valueAt(data, path));
    if (parts.some((p) => p === undefined || p === null)) {
      throw new ConfigError(`record for stream '${this.title}' has no value for its primary key ${JSON.stringify(this.plan.primaryKey)}`, { stream: this.title });
    }
    const key = keyString(parts);
    const deleted = isDeletedRecord(data);
    if (!deleted) this.#addColumns(data);
    const before = this.#pendingByKey.get(key);
    if (before && !deleted && !before.deleted && this.plan.cursorPath) {
      const incoming = valueAt(data, this.plan.cursorPath);
      const stored = toCell(valueAt(before.data, this.plan.cursorPath));
      if (!isNewerOrEqual(incoming, stored)) return;
    }
    this.#pendingByKey.delete(key); // re-insert so the map keeps arrival order
    this.#pendingByKey.set(key, { data, deleted });
  }

  #addColumns(data: Record<string, unknown>): void {
    for (const key of Object.keys(data)) {
      if (this.plan.dedup && key === DELETED_FIELD) continue;
      if (!this.#header.includes(key)) this.#header.push(key);
    }
  }

  #row(data: Record<string, unknown>): CellValue[] {
    return this.#header.map((column) => {
      const path = this.plan.primaryKey.find((p) => p.join('.') === column);
      return toCell(path ? valueAt(data, path) : data[column]);
    });
  }

  /**
   * Writes everything buffered: the header if it grew, updates in place, appends, then row
   * deletions (last, so the row numbers of the updates stay valid).
   *
   * @param reserveCells called with the cells new rows or columns will add, before adding them;
   *   throws when the spreadsheet would exceed its cell limit.
   */
  async flush(api: SheetsApi, spreadsheetId: string, reserveCells: (cells: number) => void): Promise<{ updated: number; appended: number; deleted: number }> {
    await this.#writeHeader(api, spreadsheetId, reserveCells);
    const updates: { row: number; values: CellValue[] }[] = [];
    const appends: { key: string | undefined; values: CellValue[] }[] = this.#pendingAppend.map((data) => ({ key: undefined, values: this.#row(data) }));
    const deletes: RowToDelete[] = [];
    for (const [key, { data, deleted }] of this.#pendingByKey) {
      const row = this.#rows.get(key);
      if (deleted) {
        if (row !== undefined) deletes.push({ row, key });
        continue;
      }
      const cursor = this.plan.cursorPath ? valueAt(data, this.plan.cursorPath) : undefined;
      if (row !== undefined) {
        if (isNewerOrEqual(cursor, this.#cursors.get(key))) updates.push({ row, values: this.#row(data) });
      } else {
        appends.push({ key, values: this.#row(data) });
      }
    }

    for (const chunk of chunkBySize(updates, (u) => rowSize(u.values), MAX_REQUEST_CHARACTERS)) {
      await api.update(spreadsheetId, chunk.map((u) => ({ range: rowRange(this.title, u.row, u.values.length), values: [u.values] })));
    }
    for (const [key, { data, deleted }] of this.#pendingByKey) {
      if (!deleted && this.plan.cursorPath && this.#rows.has(key)) {
        const cursor = toCell(valueAt(data, this.plan.cursorPath));
        if (isNewerOrEqual(cursor, this.#cursors.get(key))) this.#cursors.set(key, cursor);
      }
    }

    if (appends.length > 0) this.#lastRow ??= await findLastRow(api, spreadsheetId, this.title, { rowCount: this.rowCount, columnCount: this.columnCount });
    for (const chunk of chunkBySize(appends, (a) => rowSize(a.values), MAX_REQUEST_CHARACTERS)) {
      reserveCells(chunk.length * this.columnCount);
      const { first, lastRow } = await appendOnce(api, { spreadsheetId, title: this.title, lastRow: this.#lastRow! }, chunk.map((a) => a.values));
      this.#lastRow = lastRow;
      chunk.forEach((a, i) => {
        if (a.key === undefined) return;
        this.#rows.set(a.key, first + i);
        if (this.plan.cursorPath) {
          const data = this.#pendingByKey.get(a.key)?.data;
          if (data) this.#cursors.set(a.key, toCell(valueAt(data, this.plan.cursorPath)));
        }
      });
      this.rowCount = Math.max(this.rowCount, first + chunk.length - 1);
    }

    if (deletes.length > 0) await this.#deleteRows(api, spreadsheetId, deletes);
    for (const [key, { deleted }] of this.#pendingByKey) {
      if (deleted) {
        this.#rows.delete(key);
        this.#cursors.delete(key);
      }
    }
    this.#pendingByKey = new Map();
    this.#pendingAppend = [];
    return { updated: updates.length, appended: appends.length, deleted: deletes.length };
  }

  /** Writes the header if it grew, first adding grid columns for it (once, even after an ambiguous failure). */
  async #writeHeader(api: SheetsApi, spreadsheetId: string, reserveCells: (cells: number) => void): Promise<void> {
    if (this.#header.length === this.#headerWritten) return;
    const needed = this.#header.length;
    if (needed > this.columnCount) {
      reserveCells((needed - this.columnCount) * this.rowCount);
      await writeOnce(
        async () => {
          await api.batchUpdate(spreadsheetId, [{ appendDimension: { sheetId: this.sheetId, dimension: 'COLUMNS', length: needed - this.columnCount } }]);
          this.columnCount = needed;
        },
        async () => {
          const sheet = (await api.sheets(spreadsheetId)).find((s) => s.sheetId === this.sheetId);
          if (sheet) this.columnCount = sheet.columnCount;
          return this.columnCount >= needed ? { applied: true, result: undefined } : { applied: false };
        },
        api.retry,
      );
    }
    await api.update(spreadsheetId, [{ range: rowRange(this.title, 1, needed), values: [this.#header.map(String)] }]);
    this.#headerWritten = needed;
  }

  /** Deletes rows (each holding the key given), once, and re-numbers the index and the last row. */
  async #deleteRows(api: SheetsApi, spreadsheetId: string, rows: RowToDelete[]): Promise<void> {
    const deleted = await deleteRowsOnce(api, { spreadsheetId, sheetId: this.sheetId, title: this.title, keyColumns: this.#keyColumns() }, rows);
    this.rowCount -= deleted.length;
    // With the last row gone, the new last row holding a value may be higher up than one row above it: learn it again.
    if (this.#lastRow !== undefined) this.#lastRow = deleted.includes(this.#lastRow) ? undefined : rowAfterDeletes(this.#lastRow, deleted);
    for (const [key, row] of this.#rows) {
      const moved = rowAfterDeletes(row, deleted);
      if (moved !== row) this.#rows.set(key, moved);
    }
  }
}
