import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuth2Client } from 'google-auth-library';
import { startSheetsEmulator, type SheetsEmulator } from '@sync/google-sheets-emulator';
import { SheetsApi } from './api.ts';
import { isAmbiguous, isNotApplied, retryAfterMs } from './retry.ts';
import { AmbiguousWriteError } from './write-once.ts';

let sheets: SheetsEmulator;
beforeAll(async () => {
  sheets = await startSheetsEmulator();
});
afterAll(() => sheets?.close());

/** A SheetsApi on the emulator recording the delay of each retry, in ms. */
function api(options: { rootUrl?: string; maxRetries?: number } = {}): { api: SheetsApi; delays: number[] } {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: sheets.accessToken, expiry_date: Date.now() + 3_600_000 });
  const delays: number[] = [];
  const client = new SheetsApi({
    rootUrl: options.rootUrl ?? sheets.url,
    auth,
    requestsPerMinute: 100_000,
    timeoutMs: 1_000,
    retry: { maxRetries: options.maxRetries ?? 3, baseMs: 1, onRetry: (_attempt, delay) => delays.push(delay) },
  });
  return { api: client, delays };
}

/** The error a raw request through the API client ends with (no retries). */
async function failureOf(run: (api: SheetsApi) => Promise<unknown>, rootUrl?: string): Promise<unknown> {
  const { api: client } = api({ maxRetries: 0, ...(rootUrl ? { rootUrl } : {}) });
  return run(client).then(
    () => expect.unreachable('the request should have failed'),
    (error: unknown) => error,
  );
}

describe('retries', () => {
  it('waits as long as Retry-After asks on a 429, then succeeds', async () => {
    const id = sheets.createSpreadsheet('retry-after', ['t']);
    sheets.inject({ status: 429, count: 1, retryAfterSeconds: 1 });
    const { api: client, delays } = api();
    expect(await client.get(id, 't!A1')).toEqual([]);
    expect(delays).toEqual([1_000]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const answer = (value: string) => ({ response: { status: 429, headers: new Headers({ 'retry-after': value }) } });
    expect(retryAfterMs(answer('3'), now)).toBe(3_000);
    expect(retryAfterMs(answer('Thu, 01 Jan 2026 00:00:05 GMT'), now)).toBe(5_000);
    expect(retryAfterMs(answer('soon'), now)).toBeUndefined();
    expect(retryAfterMs({ response: { status: 500, headers: new Headers() } }, now)).toBeUndefined();
  });

  it('sends an append again after a failure that proves it did nothing (429, connection refused)', async () => {
    const id = sheets.createSpreadsheet('not-applied', ['t']);
    sheets.inject({ status: 429, count: 2, pathContains: ':append' });
    const { api: client, delays } = api();
    expect(await client.append(id, 't!A1', [['a']])).toBe(1);
    expect(delays).toHaveLength(2);
    expect(sheets.values(id, 't')).toEqual([['a']]);
    // Port 1 on the loopback: nothing listens there.
    const refused = await failureOf((c) => c.append(id, 't!A1', [['b']]), 'http://127.0.0.1:1/');
    expect(refused).not.toBeInstanceOf(AmbiguousWriteError);
    expect(isNotApplied((refused as Error).cause)).toBe(true);
  });

  it.each([
    ['HTTP 500', { status: 500 as const }],
    ['a dropped connection', { failure: 'drop' as const }],
    ['a timeout', { failure: 'hang' as const }],
  ])('does not send an append again after %s: it reports the outcome as unknown', async (_name, failure) => {
    const id = sheets.createSpreadsheet('ambiguous', ['t']);
    sheets.inject({ ...failure, count: 1, pathContains: ':append', applied: true });
    const { api: client, delays } = api();
    const error = await client.append(id, 't!A1', [['a']]).then(
      () => expect.unreachable('the append should have failed'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(isAmbiguous((error as AmbiguousWriteError).cause)).toBe(true);
    expect(delays).toEqual([]);
    expect(sheets.values(id, 't')).toEqual([['a']]);
  });

  it('retries a read after a 5xx, a dropped connection and a timeout', async () => {
    const id = sheets.createSpreadsheet('reads', ['t']);
    sheets.setCell(id, 't', 0, 0, 'x');
    sheets.inject({ status: 503, count: 1, method: 'GET' });
    sheets.inject({ failure: 'drop', count: 1, method: 'GET' });
    sheets.inject({ failure: 'hang', count: 1, method: 'GET' });
    const { api: client, delays } = api();
    expect(await client.get(id, 't!A1')).toEqual([['x']]);
    expect(delays).toHaveLength(3);
    expect(sheets.faultsLeft()).toBe(0);
  });
});
