/**
 * The Sheets API calls the destination makes, each paced (requests per minute) and retried on 429
 * and 5xx. Built on `@googleapis/sheets` with `rootUrl` from the config.
 */
import { sheets, type sheets_v4 } from '@googleapis/sheets';
import type { OAuth2Client } from 'google-auth-library';
import { ConfigError, ConnectorError, errorMessage } from '@sync/protocol';
import { Pacer, statusOf, withRetry, type RetryOptions } from './retry.ts';

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
  requestsPerMinute: number;
  retry: RetryOptions;
}

/** Turns a final API failure into a ConnectorError whose failure_type says who must act. */
function classify(error: unknown, what: string): Error {
  const status = statusOf(error);
  const detail = (error as { response?: { data?: { error?: { message?: string } } } })?.response?.data?.error?.message ?? errorMessage(error);
  const message = `Google Sheets ${what} failed${status ? ` (HTTP ${status})` : ''}: ${detail}`;
  if (status === 401 || status === 403) return new ConfigError(`${message}; check the credentials and that the spreadsheet is shared with them`);
  if (status === 404) return new ConfigError(`${message}; check spreadsheet_id`);
  if (status === 400) return new ConnectorError(message, { failureType: 'system_error' });
  return new ConnectorError(message, { failureType: 'transient_error' });
}

export class SheetsApi {
  readonly #api: sheets_v4.Sheets;
  readonly #pacer: Pacer;
  readonly #retry: RetryOptions;
  /** Requests sent, including retries. */
  requests = 0;

  constructor(options: SheetsApiOptions) {
    this.#api = sheets({ version: 'v4', auth: options.auth, rootUrl: options.rootUrl, retry: false });
    this.#pacer = new Pacer(options.requestsPerMinute);
    this.#retry = options.retry;
  }

  async #call<T>(what: string, call: () => Promise<{ data: T }>): Promise<T> {
    try {
      return await withRetry(async () => {
        await this.#pacer.wait();
        this.requests++;
        return (await call()).data;
      }, this.#retry);
    } catch (error) {
      throw classify(error, what);
    }
  }

  async create(title: string): Promise<{ spreadsheetId: string; sheets: SheetInfo[] }> {
    const data = await this.#call('spreadsheets.create', () => this.#api.spreadsheets.create({ requestBody: { properties: { title } } }));
    return { spreadsheetId: data.spreadsheetId!, sheets: sheetInfos(data) };
  }

  async sheets(spreadsheetId: string): Promise<SheetInfo[]> {
    return sheetInfos(await this.#call('spreadsheets.get', () => this.#api.spreadsheets.get({ spreadsheetId, fields: 'spreadsheetId,sheets.properties' })));
  }

  async batchUpdate(spreadsheetId: string, requests: sheets_v4.Schema$Request[]): Promise<sheets_v4.Schema$Response[]> {
    const data = await this.#call('spreadsheets.batchUpdate', () => this.#api.spreadsheets.batchUpdate({ spreadsheetId, requestBody: { requests } }));
    return data.replies ?? [];
  }

  async get(spreadsheetId: string, range: string): Promise<CellValue[][]> {
    const data = await this.#call('values.get', () =>
      this.#api.spreadsheets.values.get({ spreadsheetId, range, valueRenderOption: 'UNFORMATTED_VALUE' }),
    );
    return (data.values ?? []) as CellValue[][];
  }

  async update(spreadsheetId: string, data: { range: string; values: CellValue[][] }[]): Promise<void> {
    await this.#call('values.batchUpdate', () =>
      this.#api.spreadsheets.values.batchUpdate({ spreadsheetId, requestBody: { valueInputOption: 'RAW', data } }),
    );
  }

  /** Appends rows after the sheet's last row; returns the 1-based row number of the first. */
  async append(spreadsheetId: string, range: string, values: CellValue[][]): Promise<number> {
    const data = await this.#call('values.append', () =>
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
