/**
 * The Sheets API calls the destination makes, each paced (requests per minute, the connector kit's
 * pacer), bounded by a timeout, and retried (the kit's retry loop, under retry.ts's policy) according
 * to whether it is safe to repeat. Built on `@googleapis/sheets` with `rootUrl` from the config.
 *
 * Safe to repeat (idempotent): reads, and `values.batchUpdate` of fixed cells; they are retried on
 * 429, 5xx, timeouts and network errors. Not safe (`values.append`, `batchUpdate` requests that add
 * rows, columns or sheets or delete rows, `spreadsheets.create`): retried only after failures that
 * prove nothing was done (429, connection refused); after an ambiguous one they throw
 * `AmbiguousWriteError` so that the caller reads the sheet back (`writeOnce`).
 */
import { sheets, type sheets_v4 } from '@googleapis/sheets';
import type { OAuth2Client } from 'google-auth-library';
import { ConfigError, ConnectorError, createPacer, errorMessage, withRetry, type Pacer } from '@sync/connector-kit';
import { isAmbiguous, isNotApplied, isRetryable, sheetsRetry, statusOf, type SheetsRetrySettings } from './retry.ts';
import { AmbiguousWriteError } from './write-once.ts';

export type CellValue = string | number | boolean;

export interface SheetInfo {
  sheetId: number;
  title: string;
  rowCount: number;
  columnCount: number;
}

export interface SheetsApiOptions {
  rootUrl: string;
  auth: OAuth2Client;
  /** Requests started per minute: Sheets' quota is counted per minute, so a minute's worth may start at once after an idle minute. */
  requestsPerMinute: number;
  retry: SheetsRetrySettings;
  /** Time a request may take before the client gives up on it, in ms (a timed-out write is ambiguous). */
  timeoutMs: number;
}

/** Turns a final API failure into a ConnectorError whose failure_type says who must act. */
function classify(error: unknown, what: string): Error {
  const status = statusOf(error);
  const detail = (error as { response?: { data?: { error?: { message?: string } } } })?.response?.data?.error?.message ?? errorMessage(error);
  const message = `Google Sheets ${what} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`;
  if (status === 401 || status === 403) return new ConfigError(`${message}; check the credentials and that the spreadsheet is shared with them`, { cause: error });
  if (status === 404) return new ConfigError(`${message}; check spreadsheet_id`, { cause: error });
  if (status === 400) return new ConnectorError(message, { failureType: 'system_error', cause: error });
  return new ConnectorError(message, { failureType: 'transient_error', cause: error });
}

export class SheetsApi {
  readonly #api: sheets_v4.Sheets;
  readonly #pacer: Pacer;
  /** The retry policy, also used by `writeOnce` for resends after a read-back. */
  readonly retry: SheetsRetrySettings;
  /** Requests sent, including retries. */
  requests = 0;

  constructor(options: SheetsApiOptions) {
    this.#api = sheets({ version: 'v4', auth: options.auth, rootUrl: options.rootUrl, retry: false, timeout: options.timeoutMs });
    // https://developers.google.com/sheets/api/limits: a quota per minute; the pacer's bucket holds a minute's worth.
    this.#pacer = createPacer({ requestsPerSecond: options.requestsPerMinute / 60, burst: options.requestsPerMinute });
    this.retry = options.retry;
  }

  async #call<T>(what: string, idempotent: boolean, call: () => Promise<{ data: T }>): Promise<T> {
    try {
      return await withRetry(
        () =>
          this.#pacer.run(async () => {
            this.requests++;
            return (await call()).data;
          }),
        sheetsRetry(this.retry, idempotent ? isRetryable : isNotApplied),
      );
    } catch (error) {
      if (!idempotent && isAmbiguous(error)) throw new AmbiguousWriteError(what, error);
      throw classify(error, what);
    }
  }

  /**
   * Creates a spreadsheet. Not resent after an ambiguous failure: Sheets cannot list spreadsheets by
   * title (that takes the Drive API), so a resend could leave two behind.
   *
   * @throws ConnectorError transient_error saying a spreadsheet may have been created.
   */
  async create(title: string): Promise<{ spreadsheetId: string; sheets: SheetInfo[] }> {
    try {
      const data = await this.#call('spreadsheets.create', false, () => this.#api.spreadsheets.create({ requestBody: { properties: { title } } }));
      return { spreadsheetId: data.spreadsheetId!, sheets: sheetInfos(data) };
    } catch (error) {
      if (!(error instanceof AmbiguousWriteError)) throw error;
      throw new ConnectorError(
        `${error.what} A spreadsheet titled ${JSON.stringify(title)} may have been created: ` +
          'look for it in Google Drive and set spreadsheet_id to its id, or delete it, then run the sync again.',
        { failureType: 'transient_error', cause: error },
      );
    }
  }

  async sheets(spreadsheetId: string): Promise<SheetInfo[]> {
    return sheetInfos(await this.#call('spreadsheets.get', true, () => this.#api.spreadsheets.get({ spreadsheetId, fields: 'spreadsheetId,sheets.properties' })));
  }

  /**
   * `spreadsheets.batchUpdate`: applied whole or not at all. `idempotent` says whether the requests
   * may run twice (most do not: addSheet, appendDimension, deleteDimension).
   *
   * @throws AmbiguousWriteError when not idempotent and the outcome is unknown.
   */
  async batchUpdate(spreadsheetId: string, requests: sheets_v4.Schema$Request[], idempotent = false): Promise<sheets_v4.Schema$Response[]> {
    const data = await this.#call('spreadsheets.batchUpdate', idempotent, () => this.#api.spreadsheets.batchUpdate({ spreadsheetId, requestBody: { requests } }));
    return data.replies ?? [];
  }

  /** Values of a range (UNFORMATTED_VALUE: numbers and booleans as such), trailing empty rows and cells left out. */
  async get(spreadsheetId: string, range: string): Promise<CellValue[][]> {
    const data = await this.#call('values.get', true, () =>
      this.#api.spreadsheets.values.get({ spreadsheetId, range, valueRenderOption: 'UNFORMATTED_VALUE' }),
    );
    return (data.values ?? []) as CellValue[][];
  }

  /** Writes values at fixed ranges (RAW): idempotent. */
  async update(spreadsheetId: string, data: { range: string; values: CellValue[][] }[]): Promise<void> {
    await this.#call('values.batchUpdate', true, () =>
      this.#api.spreadsheets.values.batchUpdate({ spreadsheetId, requestBody: { valueInputOption: 'RAW', data } }),
    );
  }

  /**
   * Appends rows after the sheet's last row holding a value; returns the 1-based row number of the first.
   *
   * @throws AmbiguousWriteError when the outcome is unknown (see `appendOnce`).
   */
  async append(spreadsheetId: string, range: string, values: CellValue[][]): Promise<number> {
    const data = await this.#call('values.append', false, () =>
      this.#api.spreadsheets.values.append({ spreadsheetId, range, valueInputOption: 'RAW', insertDataOption: 'INSERT_ROWS', requestBody: { values } }),
    );
    const updated = data.updates?.updatedRange ?? '';
    const row = /![A-Z]+(\d+)/.exec(updated)?.[1];
    if (!row) throw new ConnectorError(`Google Sheets values.append answered without an updated range (${JSON.stringify(updated)})`, { failureType: 'system_error' });
    return Number(row);
  }
}

function sheetInfos(data: sheets_v4.Schema$Spreadsheet): SheetInfo[] {
  return (data.sheets ?? []).map((s) => ({
    sheetId: s.properties?.sheetId ?? 0,
    title: s.properties?.title ?? '',
    rowCount: s.properties?.gridProperties?.rowCount ?? 0,
    columnCount: s.properties?.gridProperties?.columnCount ?? 0,
  }));
}
