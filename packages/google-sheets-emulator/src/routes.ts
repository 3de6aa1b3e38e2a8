/**
 * The Sheets API v4 methods the emulator serves, one Hono route per method
 * (https://developers.google.com/sheets/api/reference/rest):
 *
 * | method | path | API method |
 * | --- | --- | --- |
 * | POST | `/v4/spreadsheets` | spreadsheets.create |
 * | GET | `/v4/spreadsheets/{id}` | spreadsheets.get |
 * | POST | `/v4/spreadsheets/{id}:batchUpdate` | spreadsheets.batchUpdate (atomic) |
 * | POST | `/v4/spreadsheets/{id}/values:batchUpdate` | spreadsheets.values.batchUpdate (atomic) |
 * | GET | `/v4/spreadsheets/{id}/values/{range}` | spreadsheets.values.get |
 * | PUT | `/v4/spreadsheets/{id}/values/{range}` | spreadsheets.values.update |
 * | POST | `/v4/spreadsheets/{id}/values/{range}:append` | spreadsheets.values.append |
 *
 * Google's custom methods (`:batchUpdate`, `:append`) end a path segment, so those routes match the
 * segment with a pattern and cut the method off. Routes run once the server (`emulator.ts`) has
 * applied faults, the quota and the bearer token and parsed the JSON body (`c.var.body`); they
 * answer 200 with the method's response, or throw `ApiError` for Google's error.
 */
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { ApiError, appendRows, applyRequest, readRange, resolveRange, sheetProperties, snapshot, writeRange, type Limits, type Spreadsheet } from './workbook.ts';

/** What the server hands every route (Hono variables), besides the Node bindings. */
export interface SheetsEnv {
  Bindings: HttpBindings;
  Variables: {
    /** The request's JSON body; `{}` when it has none. */
    body: Record<string, unknown>;
  };
}

/** What the routes read and change. */
export interface SheetsApi {
  limits: Limits;
  /** Creates and stores a spreadsheet (default one sheet `Sheet1`, 1000 × 26). @throws ApiError over the cell limit. */
  newSpreadsheet(title: string, sheets: { title?: string; rowCount?: number; columnCount?: number }[]): Spreadsheet;
  /** @throws ApiError 404 NOT_FOUND when there is no such spreadsheet. */
  find(spreadsheetId: string): Spreadsheet;
}

/** A spreadsheet id: anything up to the next `/` or `:`. */
const ID = ':spreadsheetId{[^/:]+}';

/** A JSON answer with Google's content type. */
export function googleJson(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers } });
}

/** The routes of the Sheets API; unmatched requests are left to the app's not-found handler. */
export function sheetsRoutes(api: SheetsApi): Hono<SheetsEnv> {
  const { limits, find } = api;
  const routes = new Hono<SheetsEnv>();

  routes.post('/v4/spreadsheets', (c) => {
    const body = c.var.body;
    const props = (body.properties ?? {}) as { title?: string };
    const sheets = ((body.sheets ?? []) as { properties?: { title?: string; gridProperties?: { rowCount?: number; columnCount?: number } } }[]).map((s) => ({
      ...(s.properties?.title !== undefined ? { title: s.properties.title } : {}),
      ...(s.properties?.gridProperties?.rowCount !== undefined ? { rowCount: s.properties.gridProperties.rowCount } : {}),
      ...(s.properties?.gridProperties?.columnCount !== undefined ? { columnCount: s.properties.gridProperties.columnCount } : {}),
    }));
    return googleJson(200, resource(api.newSpreadsheet(props.title ?? 'Untitled spreadsheet', sheets)));
  });

  routes.get(`/v4/spreadsheets/${ID}`, (c) => googleJson(200, resource(find(c.req.param('spreadsheetId')))));

  routes.post('/v4/spreadsheets/:call{[^/:]+:batchUpdate}', (c) => {
    const spreadsheet = find(withoutMethod(c.req.param('call'), ':batchUpdate'));
    const before = snapshot(spreadsheet);
    try {
      const replies = ((c.var.body.requests ?? []) as Record<string, unknown>[]).map((r) => applyRequest(spreadsheet, r, limits));
      return googleJson(200, { spreadsheetId: spreadsheet.spreadsheetId, replies });
    } catch (error) {
      spreadsheet.sheets = before.sheets;
      spreadsheet.nextSheetId = before.nextSheetId;
      throw error;
    }
  });

  routes.post(`/v4/spreadsheets/${ID}/values:batchUpdate`, (c) => {
    const spreadsheet = find(c.req.param('spreadsheetId'));
    const data = (c.var.body.data ?? []) as { range: string; values: unknown }[];
    // Validate every range first: a batch is applied whole or not at all.
    const targets = data.map((d) => ({ ...resolveRange(spreadsheet, d.range), values: d.values }));
    for (const t of targets) {
      const rows = Array.isArray(t.values) ? t.values.length : 0;
      const width = Array.isArray(t.values) ? (t.values as unknown[][]).reduce((w, r) => Math.max(w, Array.isArray(r) ? r.length : 0), 0) : 0;
      if (t.range.startRow + rows > t.sheet.rowCount || t.range.startColumn + width > t.sheet.columnCount) {
        writeRange(t.sheet, t.range, t.values, limits); // throws the grid-limit error
      }
    }
    const responses = targets.map((t) => {
      const w = writeRange(t.sheet, t.range, t.values, limits);
      return { spreadsheetId: spreadsheet.spreadsheetId, updatedRange: w.a1, updatedRows: w.rows, updatedColumns: w.columns, updatedCells: w.cells };
    });
    return googleJson(200, {
      spreadsheetId: spreadsheet.spreadsheetId,
      totalUpdatedRows: responses.reduce((n, r) => n + r.updatedRows, 0),
      totalUpdatedCells: responses.reduce((n, r) => n + r.updatedCells, 0),
      responses,
    });
  });

  // `{range}` is anything after `/values/` (a sheet title may hold a `/`), but not a custom method.
  const RANGE = ':range{.+(?<!:append)}';

  routes.get(`/v4/spreadsheets/${ID}/values/${RANGE}`, (c) => {
    const { sheet, range } = resolveRange(find(c.req.param('spreadsheetId')), c.req.param('range'));
    const read = readRange(sheet, range, c.req.query('valueRenderOption') !== 'UNFORMATTED_VALUE');
    return googleJson(200, { range: read.a1, majorDimension: 'ROWS', ...(read.values.length > 0 ? { values: read.values } : {}) });
  });

  routes.put(`/v4/spreadsheets/${ID}/values/${RANGE}`, (c) => {
    const spreadsheet = find(c.req.param('spreadsheetId'));
    const { sheet, range } = resolveRange(spreadsheet, c.req.param('range'));
    const w = writeRange(sheet, range, c.var.body.values, limits);
    return googleJson(200, { spreadsheetId: spreadsheet.spreadsheetId, updatedRange: w.a1, updatedRows: w.rows, updatedColumns: w.columns, updatedCells: w.cells });
  });

  routes.post(`/v4/spreadsheets/${ID}/values/:call{.+:append}`, (c) => {
    const spreadsheet = find(c.req.param('spreadsheetId'));
    const { sheet, range } = resolveRange(spreadsheet, withoutMethod(c.req.param('call'), ':append'));
    const w = appendRows(spreadsheet, sheet, range, c.var.body.values, limits);
    return googleJson(200, {
      spreadsheetId: spreadsheet.spreadsheetId,
      updates: { spreadsheetId: spreadsheet.spreadsheetId, updatedRange: w.a1, updatedRows: w.rows, updatedColumns: w.columns, updatedCells: w.cells },
    });
  });

  return routes;
}

/**
 * Google's error for a request no route takes, as the emulator always answered it: an unknown
 * spreadsheet first (404 NOT_FOUND), then the method or path it does not serve. `path` is decoded.
 */
export function unknownRequest(find: SheetsApi['find'], method: string, path: string): ApiError {
  const match = /^\/v4\/spreadsheets\/([^/:]+)/.exec(path);
  if (!match) return new ApiError(404, 'NOT_FOUND', `Unknown path ${path}`);
  try {
    find(match[1]!);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  return new ApiError(404, 'NOT_FOUND', `Unknown method ${method} ${path}`);
}

/** The spreadsheet resource as spreadsheets.get returns it (no grid data). */
function resource(spreadsheet: Spreadsheet): Record<string, unknown> {
  return {
    spreadsheetId: spreadsheet.spreadsheetId,
    properties: { title: spreadsheet.title, locale: 'en_US', timeZone: 'Etc/GMT' },
    sheets: spreadsheet.sheets.map((s, i) => ({ properties: sheetProperties(s, i) })),
    spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${spreadsheet.spreadsheetId}/edit`,
  };
}

/** `abc:batchUpdate` → `abc`: the resource name before Google's custom method. */
function withoutMethod(segment: string, method: string): string {
  return segment.slice(0, segment.length - method.length);
}
