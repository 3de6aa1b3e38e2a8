/**
 * A local HTTP server that answers like the Google Sheets API v4 for what a destination needs
 * (https://developers.google.com/sheets/api/reference/rest): spreadsheets.create/get/batchUpdate,
 * values.get/update/append/batchUpdate, plus an OAuth2 token endpoint (`POST /token`) so a real
 * OAuth2 client can log in to it, and self-signed JWTs of registered service accounts as bearer
 * tokens. With a request log, a per-minute request quota answered by 429, injectable faults, and
 * Sheets' cell limits.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { getRequestListener } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { ApiError, assertCellLimit, readRange, type Limits, type Spreadsheet } from './workbook.ts';
import { looksLikeJwt, parseServiceAccountKeys, SHEETS_SCOPE, verifyServiceAccountJwt } from './service-account.ts';
import { faultAnswer, FaultQueue, quotaError, type FaultAnswer, type SheetsFault } from './faults.ts';
import { googleJson, sheetsRoutes, unknownRequest, type SheetsEnv } from './routes.ts';

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

  function find(id: string): Spreadsheet {
    const spreadsheet = spreadsheets.get(id);
    if (!spreadsheet) throw new ApiError(404, 'NOT_FOUND', 'Requested entity was not found.');
    return spreadsheet;
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

  /**
   * Why the API would refuse a request before any method runs: over the quota (429), no accepted
   * token (401), or a body that is not JSON (400). Undefined when it is admitted; `body` is then set.
   */
  function refusal(c: Context<ServerEnv>): Response | undefined {
    if (quota !== undefined) {
      const now = Date.now();
      recent = recent.filter((t) => t > now - quotaWindowMs);
      if (recent.length >= quota) {
        const { status, body } = quotaError();
        return googleJson(status, body);
      }
      recent.push(now);
    }
    const unauthenticated = authenticate(c.req.header('authorization'));
    if (unauthenticated !== undefined) return googleJson(401, { error: { code: 401, message: unauthenticated, status: 'UNAUTHENTICATED' } });
    const raw = c.var.raw;
    let body: Record<string, unknown> = {};
    if (raw !== '') {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return googleJson(400, { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } });
      }
    }
    c.set('body', body);
    return undefined;
  }

  /** What the client gets for a faulted request: an error status, a dropped connection or no answer. */
  function faulted(c: Context<ServerEnv>, answer: FaultAnswer): Response {
    if (answer.kind === 'status') return googleJson(answer.status, answer.body, answer.headers);
    if (answer.kind === 'drop') c.env.incoming.socket.destroy();
    // 'hang': no answer; the socket closes when the client gives up or the emulator closes.
    return RESPONSE_ALREADY_SENT;
  }

  const app = new Hono<ServerEnv>();
  // The path as logged and as faults match it (decoded), and the body, read up to MAX_BODY_BYTES.
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const { text, size } = await readBody(c.req.raw.body, MAX_BODY_BYTES);
    c.set('path', path);
    c.set('raw', text);
    if (size > MAX_BODY_BYTES) {
      logRequest({ method: c.req.method, path, status: 413, time: Date.now() });
      return googleJson(413, { error: { code: 413, message: 'Request payload size exceeds the limit.', status: 'INVALID_ARGUMENT' } });
    }
    await next();
  });
  // The OAuth2 token endpoint: not an API request (no fault, quota or log).
  app.post('/token', (c) => {
    const granted = token(new URLSearchParams(c.var.raw));
    return new Response(JSON.stringify(granted.body), { status: granted.status, headers: { 'content-type': 'application/json' } });
  });
  // Every API request: an injected fault, or the API's answer; an `applied` fault serves the request
  // first, then fails it. Each is logged with the status the client saw.
  app.use(async (c, next) => {
    const { path, raw } = c.var;
    const method = c.req.method;
    const fault = faults.take(method, path, raw);
    if (fault === undefined || fault.applied) {
      const refused = refusal(c);
      if (refused) c.res = refused;
      else await next();
    }
    const failure = fault && faultAnswer(fault);
    const status = failure === undefined ? c.res.status : failure.kind === 'status' ? failure.status : 0;
    logRequest({ method, path, status, time: Date.now(), ...(fault ? { fault } : {}) });
    if (failure) {
      c.res = undefined; // replaces the answer instead of merging its headers into the failure's
      c.res = faulted(c, failure);
    }
  });
  app.route('/', sheetsRoutes({ limits, newSpreadsheet, find }));
  app.notFound((c) => googleError(unknownRequest(find, c.req.method, c.var.path)));
  app.onError((error) => googleError(error));

  // overrideGlobalObjects: false: starting an emulator inside a test must not replace the process's
  // global Request and Response.
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
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

/** The server's Hono environment: the routes' plus the raw request, as the first middleware read it. */
type ServerEnv = SheetsEnv & {
  Variables: {
    /** Decoded path (the raw one when it does not decode), as logged and as faults match it. */
    path: string;
    /** The body as text, at most MAX_BODY_BYTES of it. */
    raw: string;
  };
};

/** Google's error body for an `ApiError`; any other error is a bug of the emulator, answered 500 INTERNAL with its message. */
function googleError(error: Error): Response {
  if (error instanceof ApiError) return googleJson(error.code, { error: { code: error.code, message: error.message, status: error.status } });
  return googleJson(500, { error: { code: 500, message: `emulator: ${error.message}`, status: 'INTERNAL' } });
}

/** Reads a body as UTF-8 text, keeping at most `max` bytes of it; `size` is its whole length. */
async function readBody(body: ReadableStream<Uint8Array> | null, max: number): Promise<{ text: string; size: number }> {
  if (!body) return { text: '', size: 0 };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= max) chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), size };
}
