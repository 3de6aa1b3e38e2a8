/**
 * A local HTTP server that answers like the Google Sheets API v4 for what a destination needs
 * (https://developers.google.com/sheets/api/reference/rest): spreadsheets.create/get/batchUpdate,
 * values.get/update/append/batchUpdate, plus an OAuth2 token endpoint (`POST /token`) so a real
 * OAuth2 client can log in to it, and self-signed JWTs of registered service accounts as bearer
 * tokens. With a request log, a per-minute request quota answered by 429, injectable faults, and
 * Sheets' cell limits.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ApiError,
  appendRows,
  applyRequest,
  assertCellLimit,
  readRange,
  resolveRange,
  sheetProperties,
  snapshot,
  writeRange,
  type Limits,
  type Spreadsheet,
} from './workbook.ts';
import { looksLikeJwt, parseServiceAccountKeys, SHEETS_SCOPE, verifyServiceAccountJwt } from './service-account.ts';
import { faultAnswer, FaultQueue, quotaError, type FaultAnswer, type SheetsFault } from './faults.ts';

export type { SheetsFault, SheetsFaultTarget } from './faults.ts';

/** The OAuth2 client the token endpoint accepts (a refresh-token grant). */
export interface EmulatorOAuthClient {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface SheetsEmulatorOptions {
  /** TCP port; 0 (the default) picks any free port. */
  port?: number;
  host?: string;
  /** An access token always accepted, besides those the token endpoint issues. Default 'emulator-token'. */
  accessToken?: string;
  /** Credentials the token endpoint accepts. Default client 'emulator-client', secret 'emulator-secret', refresh token 'emulator-refresh'. */
  oauthClient?: EmulatorOAuthClient;
  /**
   * Service accounts whose self-signed JWTs are accepted as bearer tokens: client_email → public key
   * PEM (the counterpart of the key file's `private_key`). See `verifyServiceAccountJwt` for the
   * rules. Default none.
   */
  serviceAccounts?: Readonly<Record<string, string>>;
  /** API requests allowed per quota window before answering 429 RESOURCE_EXHAUSTED. Default unlimited. */
  requestsPerMinute?: number;
  /** Length of the quota window in ms; default 60,000 (Sheets' quotas are per minute). */
  quotaWindowMs?: number;
  /** Cells per spreadsheet (rows × columns of every sheet). Default 10,000,000, as Sheets. */
  maxCells?: number;
  /** Characters per cell. Default 50,000, as Sheets. */
  maxCellCharacters?: number;
}

export interface SheetsRequest {
  method: string;
  /** Decoded path, e.g. `/v4/spreadsheets/abc/values/'customers'!A1:append`. */
  path: string;
  /** The status the client saw; 0 when an injected fault dropped the connection or left it unanswered. */
  status: number;
  time: number;
  /** The injected fault this request hit, if any. */
  fault?: SheetsFault;
}

export interface SheetsEmulator {
  /** Root URL for `@googleapis/sheets`' `rootUrl`, e.g. `http://127.0.0.1:41234/` (trailing slash). */
  url: string;
  /** The OAuth2 token endpoint, `${url}token`. */
  tokenUrl: string;
  port: number;
  oauthClient: EmulatorOAuthClient;
  accessToken: string;
  /** Ids of the spreadsheets created so far. */
  spreadsheetIds(): string[];
  /** Creates a spreadsheet directly (no request logged); returns its id. */
  createSpreadsheet(title: string, sheetTitles?: string[]): string;
  /** Titles of a spreadsheet's sheets, in order. */
  sheetTitles(spreadsheetId: string): string[];
  /** Every value of a sheet as text, trailing empty rows and cells trimmed (what values.get returns). */
  values(spreadsheetId: string, sheetTitle: string): string[][];
  /** Grid size of a sheet. */
  grid(spreadsheetId: string, sheetTitle: string): { rowCount: number; columnCount: number };
  /** Overwrites one cell (0-based), as a person editing the sheet would. */
  setCell(spreadsheetId: string, sheetTitle: string, row: number, column: number, value: string): void;
  /** API requests served (not the token endpoint), oldest first. */
  requests: readonly SheetsRequest[];
  /** Resolves with the next logged request that `matches` (one logged later than the call). */
  nextRequest(matches?: (request: SheetsRequest) => boolean): Promise<SheetsRequest>;
  /** Served requests by status code. */
  statusCounts(): Record<number, number>;
  resetRequests(): void;
  /**
   * Makes the next `count` matching requests fail: with a status, a dropped connection or no answer,
   * after carrying the request out (`applied: true`) or not. Faults queue in order; a request takes
   * one use of the first fault it matches.
   */
  inject(fault: SheetsFault): void;
  /** Uses left of the injected faults: 0 once every one has hit a request. */
  faultsLeft(): number;
  /** Changes the per-window request quota (undefined = unlimited). */
  setQuota(requestsPerWindow: number | undefined): void;
  close(): Promise<void>;
}

const MAX_LOGGED_REQUESTS = 100_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Starts an emulator and resolves once it listens.
 *
 * @throws Error when a `serviceAccounts` key is not a public key PEM, or the port is taken.
 */
export async function startSheetsEmulator(options: SheetsEmulatorOptions = {}): Promise<SheetsEmulator> {
  const serviceAccountKeys = parseServiceAccountKeys(options.serviceAccounts ?? {});
  const limits: Limits = { maxCells: options.maxCells ?? 10_000_000, maxCellCharacters: options.maxCellCharacters ?? 50_000 };
  const oauthClient = options.oauthClient ?? { clientId: 'emulator-client', clientSecret: 'emulator-secret', refreshToken: 'emulator-refresh' };
  const fixedToken = options.accessToken ?? 'emulator-token';
  const tokens = new Set([fixedToken]);
  let quota = options.requestsPerMinute;
  const quotaWindowMs = options.quotaWindowMs ?? 60_000;
  let recent: number[] = [];
  const spreadsheets = new Map<string, Spreadsheet>();
  let requests: SheetsRequest[] = [];
  const faults = new FaultQueue();
  let waiters: { matches: (request: SheetsRequest) => boolean; resolve: (request: SheetsRequest) => void }[] = [];

  function logRequest(request: SheetsRequest): void {
    requests.push(request);
    if (requests.length > MAX_LOGGED_REQUESTS) requests = requests.slice(-MAX_LOGGED_REQUESTS / 2);
    const woken = waiters.filter((w) => w.matches(request));
    if (woken.length === 0) return;
    waiters = waiters.filter((w) => !woken.includes(w));
    for (const w of woken) w.resolve(request);
  }

  function newSpreadsheet(title: string, sheets: { title?: string; rowCount?: number; columnCount?: number }[]): Spreadsheet {
    const spreadsheetId = randomBytes(22).toString('base64url');
    const spreadsheet: Spreadsheet = { spreadsheetId, title, sheets: [], nextSheetId: 1 };
    const wanted = sheets.length > 0 ? sheets : [{ title: 'Sheet1' }];
    wanted.forEach((s, i) => {
      spreadsheet.sheets.push({ sheetId: i === 0 ? 0 : spreadsheet.nextSheetId++, title: s.title ?? `Sheet${i + 1}`, rowCount: s.rowCount ?? 1000, columnCount: s.columnCount ?? 26, rows: [] });
    });
    assertCellLimit(spreadsheet, limits);
    spreadsheets.set(spreadsheetId, spreadsheet);
    return spreadsheet;
  }

  function resource(spreadsheet: Spreadsheet): Record<string, unknown> {
    return {
      spreadsheetId: spreadsheet.spreadsheetId,
      properties: { title: spreadsheet.title, locale: 'en_US', timeZone: 'Etc/GMT' },
      sheets: spreadsheet.sheets.map((s, i) => ({ properties: sheetProperties(s, i) })),
      spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${spreadsheet.spreadsheetId}/edit`,
    };
  }

  function find(id: string): Spreadsheet {
    const spreadsheet = spreadsheets.get(id);
    if (!spreadsheet) throw new ApiError(404, 'NOT_FOUND', 'Requested entity was not found.');
    return spreadsheet;
  }

  /** Routes one authenticated API request. */
  function route(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): unknown {
    if (method === 'POST' && path === '/v4/spreadsheets') {
      const props = (body.properties ?? {}) as { title?: string };
      const sheets = ((body.sheets ?? []) as { properties?: { title?: string; gridProperties?: { rowCount?: number; columnCount?: number } } }[]).map((s) => ({
        ...(s.properties?.title !== undefined ? { title: s.properties.title } : {}),
        ...(s.properties?.gridProperties?.rowCount !== undefined ? { rowCount: s.properties.gridProperties.rowCount } : {}),
        ...(s.properties?.gridProperties?.columnCount !== undefined ? { columnCount: s.properties.gridProperties.columnCount } : {}),
      }));
      return resource(newSpreadsheet(props.title ?? 'Untitled spreadsheet', sheets));
    }
    const match = /^\/v4\/spreadsheets\/([^/:]+)(.*)$/.exec(path);
    if (!match) throw new ApiError(404, 'NOT_FOUND', `Unknown path ${path}`);
    const spreadsheet = find(match[1]!);
    const rest = match[2]!;
    if (method === 'GET' && rest === '') return resource(spreadsheet);
    if (method === 'POST' && rest === ':batchUpdate') {
      const before = snapshot(spreadsheet);
      try {
        const replies = ((body.requests ?? []) as Record<string, unknown>[]).map((r) => applyRequest(spreadsheet, r, limits));
        return { spreadsheetId: spreadsheet.spreadsheetId, replies };
      } catch (error) {
        spreadsheet.sheets = before.sheets;
        spreadsheet.nextSheetId = before.nextSheetId;
        throw error;
      }
    }
    if (method === 'POST' && rest === '/values:batchUpdate') {
      const data = (body.data ?? []) as { range: string; values: unknown }[];
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
      return {
        spreadsheetId: spreadsheet.spreadsheetId,
        totalUpdatedRows: responses.reduce((n, r) => n + r.updatedRows, 0),
        totalUpdatedCells: responses.reduce((n, r) => n + r.updatedCells, 0),
        responses,
      };
    }
    const values = /^\/values\/(.+?)(:append)?$/.exec(rest);
    if (values) {
      const { sheet, range } = resolveRange(spreadsheet, values[1]!);
      if (method === 'GET' && !values[2]) {
        const read = readRange(sheet, range, query.get('valueRenderOption') !== 'UNFORMATTED_VALUE');
        return { range: read.a1, majorDimension: 'ROWS', ...(read.values.length > 0 ? { values: read.values } : {}) };
      }
      if (method === 'PUT' && !values[2]) {
        const w = writeRange(sheet, range, body.values, limits);
        return { spreadsheetId: spreadsheet.spreadsheetId, updatedRange: w.a1, updatedRows: w.rows, updatedColumns: w.columns, updatedCells: w.cells };
      }
      if (method === 'POST' && values[2]) {
        const w = appendRows(spreadsheet, sheet, range, body.values, limits);
        return {
          spreadsheetId: spreadsheet.spreadsheetId,
          updates: { spreadsheetId: spreadsheet.spreadsheetId, updatedRange: w.a1, updatedRows: w.rows, updatedColumns: w.columns, updatedCells: w.cells },
        };
      }
    }
    throw new ApiError(404, 'NOT_FOUND', `Unknown method ${method} ${path}`);
  }

  function token(body: URLSearchParams): { status: number; body: unknown } {
    const ok =
      body.get('grant_type') === 'refresh_token' &&
      body.get('refresh_token') === oauthClient.refreshToken &&
      body.get('client_id') === oauthClient.clientId &&
      body.get('client_secret') === oauthClient.clientSecret;
    if (!ok) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    const accessToken = `ya29.emulator-${randomBytes(12).toString('hex')}`;
    tokens.add(accessToken);
    return { status: 200, body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer', scope: SHEETS_SCOPE } };
  }

  /** Undefined when the Authorization header carries an accepted token, else Google's 401 message (plus why, for whoever debugs). */
  function authenticate(authorization: string | undefined): string | undefined {
    const message = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.';
    const bearer = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!bearer) return message;
    if (tokens.has(bearer)) return undefined;
    if (!looksLikeJwt(bearer)) return message;
    const verdict = verifyServiceAccountJwt(bearer, serviceAccountKeys, Date.now());
    return verdict.ok ? undefined : `${message} (emulator: ${verdict.reason})`;
  }

  /** The answer to an API request, as the API would give it. */
  function serve(method: string, path: string, query: URLSearchParams, authorization: string | undefined, raw: string): { status: number; body: unknown } {
    if (quota !== undefined) {
      const now = Date.now();
      recent = recent.filter((t) => t > now - quotaWindowMs);
      if (recent.length >= quota) return quotaError();
      recent.push(now);
    }
    const refusal = authenticate(authorization);
    if (refusal !== undefined) return { status: 401, body: { error: { code: 401, message: refusal, status: 'UNAUTHENTICATED' } } };
    let body: Record<string, unknown> = {};
    if (raw !== '') {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } } };
      }
    }
    try {
      return { status: 200, body: route(method, path, query, body) };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.code, body: { error: { code: error.code, message: error.message, status: error.status } } };
      throw error;
    }
  }

  /** Serves a request unless a fault takes it; an `applied` fault serves it first, then fails. */
  function answer(method: string, path: string, query: URLSearchParams, authorization: string | undefined, raw: string): { fault?: SheetsFault; answer: FaultAnswer } {
    const fault = faults.take(method, path, raw);
    if (fault === undefined) return { answer: { kind: 'status', ...serve(method, path, query, authorization, raw) } };
    if (fault.applied) serve(method, path, query, authorization, raw);
    return { fault, answer: faultAnswer(fault) };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const method = req.method ?? 'GET';
      const raw = Buffer.concat(chunks).toString('utf8');
      let result: { fault?: SheetsFault; answer: FaultAnswer };
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        path = url.pathname;
      }
      if (size > MAX_BODY_BYTES) {
        result = { answer: { kind: 'status', status: 413, body: { error: { code: 413, message: 'Request payload size exceeds the limit.', status: 'INVALID_ARGUMENT' } } } };
      } else if (method === 'POST' && path === '/token') {
        const granted = token(new URLSearchParams(raw));
        res.writeHead(granted.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(granted.body));
        return;
      } else {
        result = answer(method, path, url.searchParams, req.headers.authorization, raw);
      }
      const { answer: reply, fault } = result;
      logRequest({ method, path, status: reply.kind === 'status' ? reply.status : 0, time: Date.now(), ...(fault ? { fault } : {}) });
      if (reply.kind === 'drop') {
        req.socket.destroy();
      } else if (reply.kind === 'status') {
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      }
      // 'hang': no answer; the socket closes when the client gives up or the emulator closes.
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}/`;

  const sheetOf = (id: string, title: string) => {
    const sheet = find(id).sheets.find((s) => s.title === title);
    if (!sheet) throw new Error(`spreadsheet ${id} has no sheet ${JSON.stringify(title)}`);
    return sheet;
  };

  return {
    url,
    tokenUrl: `${url}token`,
    port,
    oauthClient,
    accessToken: fixedToken,
    spreadsheetIds: () => [...spreadsheets.keys()],
    createSpreadsheet: (title, sheetTitles = []) => newSpreadsheet(title, sheetTitles.map((t) => ({ title: t }))).spreadsheetId,
    sheetTitles: (id) => find(id).sheets.map((s) => s.title),
    values(id, title) {
      const sheet = sheetOf(id, title);
      return readRange(sheet, { sheet: title, startRow: 0, startColumn: 0, endRow: undefined, endColumn: undefined }, true).values.map((row) => row.map(String));
    },
    grid(id, title) {
      const { rowCount, columnCount } = sheetOf(id, title);
      return { rowCount, columnCount };
    },
    setCell(id, title, row, column, value) {
      const sheet = sheetOf(id, title);
      (sheet.rows[row] ??= [])[column] = value;
      for (let r = 0; r < sheet.rows.length; r++) sheet.rows[r] ??= [];
    },
    get requests() {
      return requests;
    },
    nextRequest(matches = () => true) {
      return new Promise((resolve) => waiters.push({ matches, resolve }));
    },
    statusCounts() {
      const counts: Record<number, number> = {};
      for (const r of requests) counts[r.status] = (counts[r.status] ?? 0) + 1;
      return counts;
    },
    resetRequests() {
      requests = [];
    },
    inject: (fault) => faults.inject(fault),
    faultsLeft: () => faults.left(),
    setQuota(requestsPerWindow) {
      quota = requestsPerWindow;
      recent = [];
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
