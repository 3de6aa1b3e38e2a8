import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSheetsEmulator, type SheetsEmulator } from './index.ts';

let sheets: SheetsEmulator;
beforeAll(async () => {
  sheets = await startSheetsEmulator();
});
afterAll(() => sheets?.close());

/** The emulator's answer as these tests read it: a resource, a values range, a reply list, or an error. */
interface ApiBody {
  spreadsheetId?: string;
  range?: string;
  values?: (string | number | boolean)[][];
  updatedRange?: string;
  updates?: { updatedRange: string; updatedRows: number };
  replies?: { addSheet?: { properties: { sheetId: number; title: string; gridProperties: { rowCount: number; columnCount: number } } } }[];
  sheets?: { properties: { title: string; gridProperties: { rowCount: number; columnCount: number } } }[];
  error?: { code: number; message: string; status: string };
}

async function call(method: string, path: string, body?: unknown, token: string | null = sheets.accessToken): Promise<{ status: number; body: ApiBody }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${sheets.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as ApiBody };
}

const values = (id: string, range: string, query = '') => `v4/spreadsheets/${id}/values/${encodeURIComponent(range)}${query}`;

describe('google sheets emulator over HTTP', () => {
  it('writes with values.update and reads back A1 ranges: bounded, open-ended, whole sheet, formatted or not', async () => {
    const id = sheets.createSpreadsheet('values', ['customers']);
    const put = await call('PUT', values(id, "'customers'!A1:C3", '?valueInputOption=RAW'), {
      values: [
        ['id', 'n', 'ok'],
        ['a', 1, true],
        ['b', 2.5],
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body.updatedRange).toBe('customers!A1:C3');

    const block = await call('GET', values(id, 'customers!B2:C3'));
    expect(block.body).toMatchObject({ range: 'customers!B2:C3', values: [['1', 'TRUE'], ['2.5']] });
    const unformatted = await call('GET', values(id, 'customers!A2:C', '?valueRenderOption=UNFORMATTED_VALUE'));
    expect(unformatted.body.values).toEqual([
      ['a', 1, true],
      ['b', 2.5],
    ]);
    const column = await call('GET', values(id, 'customers!A:A'));
    expect(column.body.values).toEqual([['id'], ['a'], ['b']]);
    const row = await call('GET', values(id, 'customers!2:2'));
    expect(row.body.values).toEqual([['a', '1', 'TRUE']]);
    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'n', 'ok'],
      ['a', '1', 'TRUE'],
      ['b', '2.5'],
    ]);

    const empty = await call('GET', values(id, 'customers!D10:E12'));
    expect(empty.status).toBe(200);
    expect(empty.body.values).toBeUndefined();
    const cut = await call('GET', values(id, 'customers!A2:B5000'));
    expect(cut.body.values).toEqual([['a', '1'], ['b', '2.5']]);
    const outside = await call('GET', values(id, 'customers!A1001:B1002'));
    expect(outside.status).toBe(400);
    expect(outside.body.error?.message).toBe("Range (customers!A1001) exceeds grid limits. Max rows: 1000, max columns: 26");
  });

  it('appends after the last row holding a value, growing the grid, and rejects writes outside the grid', async () => {
    const id = sheets.createSpreadsheet('append', ['t']);
    await call('PUT', values(id, 't!A1:B1', '?valueInputOption=RAW'), { values: [['id', 'x']] });
    const first = await call('POST', values(id, 't!A1', ':append?valueInputOption=RAW&insertDataOption=INSERT_ROWS'), { values: [['1', 'a'], ['2', 'b']] });
    expect(first.body.updates).toMatchObject({ updatedRange: 't!A2:B3', updatedRows: 2 });
    const second = await call('POST', values(id, 't!A1', ':append?valueInputOption=RAW&insertDataOption=INSERT_ROWS'), { values: [['3', 'c']] });
    expect(second.body.updates?.updatedRange).toBe('t!A4:B4');
    expect(sheets.values(id, 't')).toEqual([['id', 'x'], ['1', 'a'], ['2', 'b'], ['3', 'c']]);

    const small = await call('POST', `v4/spreadsheets/${id}:batchUpdate`, { requests: [{ addSheet: { properties: { title: 'small', gridProperties: { rowCount: 2, columnCount: 2 } } } }] });
    expect(small.status).toBe(200);
    const outside = await call('PUT', values(id, 'small!A1:C1', '?valueInputOption=RAW'), { values: [['a', 'b', 'c']] });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(outside.body.error?.message).toMatch(/exceeds grid limits\. Max rows: 2, max columns: 2/);
    const grown = await call('POST', values(id, 'small!A1', ':append?valueInputOption=RAW'), { values: [['1'], ['2'], ['3']] });
    expect(grown.body.updates?.updatedRange).toBe('small!A1:A3');
    expect(sheets.grid(id, 'small')).toEqual({ rowCount: 3, columnCount: 2 });
  });

  it('batchUpdate adds sheets and deletes rows, and applies a batch whole or not at all', async () => {
    const id = sheets.createSpreadsheet('batch', ['t']);
    const added = await call('POST', `v4/spreadsheets/${id}:batchUpdate`, {
      requests: [{ addSheet: { properties: { title: 'orders', gridProperties: { rowCount: 5, columnCount: 3 } } } }],
    });
    expect(added.status).toBe(200);
    expect(added.body.replies?.[0]?.addSheet?.properties).toMatchObject({ sheetId: 1, title: 'orders', gridProperties: { rowCount: 5, columnCount: 3 } });
    const resource = await call('GET', `v4/spreadsheets/${id}`);
    expect(resource.body.sheets?.map((s) => s.properties.title)).toEqual(['t', 'orders']);

    await call('PUT', values(id, 'orders!A1:A5', '?valueInputOption=RAW'), { values: [['h'], ['r2'], ['r3'], ['r4'], ['r5']] });
    const deleted = await call('POST', `v4/spreadsheets/${id}:batchUpdate`, {
      requests: [
        { deleteDimension: { range: { sheetId: 1, dimension: 'ROWS', startIndex: 3, endIndex: 4 } } },
        { deleteDimension: { range: { sheetId: 1, dimension: 'ROWS', startIndex: 1, endIndex: 2 } } },
      ],
    });
    expect(deleted.status).toBe(200);
    expect(sheets.values(id, 'orders')).toEqual([['h'], ['r3'], ['r5']]);
    expect(sheets.grid(id, 'orders')).toEqual({ rowCount: 3, columnCount: 3 });

    const failed = await call('POST', `v4/spreadsheets/${id}:batchUpdate`, {
      requests: [{ addSheet: { properties: { title: 'extra' } } }, { addSheet: { properties: { title: 'ORDERS' } } }],
    });
    expect(failed.status).toBe(400);
    expect(failed.body.error).toEqual({
      code: 400,
      message: 'Invalid requests[0].addSheet: A sheet with the name "ORDERS" already exists. Please enter another name.',
      status: 'INVALID_ARGUMENT',
    });
    expect(sheets.sheetTitles(id)).toEqual(['t', 'orders']);
  });

  it('answers an unknown spreadsheet with 404 NOT_FOUND in Google’s error shape', async () => {
    const missing = await call('GET', 'v4/spreadsheets/no-such-id');
    expect(missing).toEqual({ status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } });
    const missingValues = await call('GET', values('no-such-id', 'Sheet1!A1'));
    expect(missingValues.status).toBe(404);
  });

  it('fails injected requests with 429 RESOURCE_EXHAUSTED (then serves again), only on matching paths', async () => {
    const id = sheets.createSpreadsheet('faults', ['t']);
    sheets.resetRequests();
    sheets.inject({ status: 429, count: 2, pathContains: '/values/' });
    const spreadsheet = await call('GET', `v4/spreadsheets/${id}`);
    expect(spreadsheet.status).toBe(200);
    const statuses: number[] = [];
    let last: ApiBody | undefined;
    for (let i = 0; i < 3; i++) {
      const answer = await call('GET', values(id, 't!A1'));
      statuses.push(answer.status);
      if (i === 0) last = answer.body;
    }
    expect(statuses).toEqual([429, 429, 200]);
    sheets.inject({ status: 429, count: 1, retryAfterSeconds: 7 });
    const asked = await fetch(`${sheets.url}v4/spreadsheets/${id}`, { headers: { authorization: `Bearer ${sheets.accessToken}` } });
    expect([asked.status, asked.headers.get('retry-after')]).toEqual([429, '7']);
    expect(last?.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(sheets.statusCounts()).toEqual({ 200: 2, 429: 3 });
  });

  it('an applied fault carries the request out and then fails it; an unapplied one only fails it', async () => {
    const id = sheets.createSpreadsheet('applied', ['t']);
    const append = (row: string) => call('POST', values(id, 't!A1', ':append?valueInputOption=RAW&insertDataOption=INSERT_ROWS'), { values: [[row]] });
    sheets.inject({ status: 500, count: 1, pathContains: ':append', applied: true });
    sheets.inject({ status: 503, count: 1, pathContains: ':append' });
    sheets.inject({ status: 500, count: 1, pathContains: ':batchUpdate', bodyContains: 'deleteDimension', applied: true });

    const applied = await append('a');
    expect(applied.status).toBe(500);
    expect(applied.body.error).toMatchObject({ code: 500, status: 'INTERNAL' });
    expect(sheets.values(id, 't')).toEqual([['a']]);
    const refused = await append('b');
    expect(refused.body.error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    expect(sheets.values(id, 't')).toEqual([['a']]);
    expect((await append('c')).status).toBe(200);
    expect(sheets.values(id, 't')).toEqual([['a'], ['c']]);

    // A batchUpdate without deleteDimension does not match the third fault; the one with it does.
    const grown = await call('POST', `v4/spreadsheets/${id}:batchUpdate`, { requests: [{ appendDimension: { sheetId: 0, dimension: 'COLUMNS', length: 1 } }] });
    expect(grown.status).toBe(200);
    expect(sheets.faultsLeft()).toBe(1);
    const deleted = await call('POST', `v4/spreadsheets/${id}:batchUpdate`, { requests: [{ deleteDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 0, endIndex: 1 } } }] });
    expect(deleted.status).toBe(500);
    expect(sheets.values(id, 't')).toEqual([['c']]);
    expect(sheets.faultsLeft()).toBe(0);
    expect(sheets.requests.filter((r) => r.fault && r.path.includes(id)).map((r) => [r.status, r.fault?.applied ?? false])).toEqual([
      [500, true],
      [503, false],
      [500, true],
    ]);
  });

  it('drops the connection, applied or not, and hangs until the client gives up', async () => {
    const id = sheets.createSpreadsheet('drops', ['t']);
    const append = (row: string, signal?: AbortSignal) =>
      fetch(`${sheets.url}${values(id, 't!A1', ':append?valueInputOption=RAW')}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sheets.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ values: [[row]] }),
        ...(signal ? { signal } : {}),
      });
    sheets.inject({ failure: 'drop', count: 1, method: 'POST', applied: true });
    sheets.inject({ failure: 'drop', count: 1, method: 'POST' });
    await expect(append('a')).rejects.toThrow();
    await expect(append('b')).rejects.toThrow();
    expect(sheets.values(id, 't')).toEqual([['a']]);

    sheets.inject({ failure: 'hang', count: 1, method: 'POST', applied: true });
    const client = new AbortController();
    const hung = append('c', client.signal);
    const seen = await sheets.nextRequest((r) => r.fault !== undefined);
    expect(seen.status).toBe(0);
    expect(sheets.values(id, 't')).toEqual([['a'], ['c']]);
    client.abort();
    await expect(hung).rejects.toThrow(/abort/i);
    expect(sheets.faultsLeft()).toBe(0);
  });

  it('answers 429 once the per-window quota is used up', async () => {
    const id = sheets.createSpreadsheet('quota');
    sheets.setQuota(2);
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call('GET', `v4/spreadsheets/${id}`)).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      sheets.setQuota(undefined);
    }
  });

  it('refuses a request without an accepted bearer token with 401 UNAUTHENTICATED', async () => {
    const id = sheets.createSpreadsheet('auth');
    for (const token of [null, 'not-a-token']) {
      const refused = await call('GET', `v4/spreadsheets/${id}`, undefined, token);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
      expect(refused.body.error?.message).toMatch(/^Request had invalid authentication credentials\./);
    }
  });

  it('issues access tokens at /token for the refresh-token grant of its OAuth2 client only', async () => {
    const grant = (refreshToken: string) =>
      fetch(sheets.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: sheets.oauthClient.clientId, client_secret: sheets.oauthClient.clientSecret, refresh_token: refreshToken }),
      });
    const granted = await grant(sheets.oauthClient.refreshToken);
    expect(granted.status).toBe(200);
    const { access_token: accessToken, token_type: tokenType } = (await granted.json()) as { access_token: string; token_type: string };
    expect(tokenType).toBe('Bearer');
    const id = sheets.createSpreadsheet('token');
    expect((await call('GET', `v4/spreadsheets/${id}`, undefined, accessToken)).status).toBe(200);

    const refused = await grant('stolen');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'invalid_grant', error_description: 'Bad Request' });
  });
});
