import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerAuth, oauth2RefreshAuth } from './auth.ts';
import { createHttpClient } from './http.ts';
import { parseRetryAfter } from './retry.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const servers: Array<{ close(): void }> = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
};

describe('retry', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('retries 429 and 5xx, waiting what Retry-After asks', async () => {
    const statuses = [429, 503, 200];
    const url = await serve((_req, res) => {
      const status = statuses.shift()!;
      json(res, status, status === 200 ? { ok: true } : { error: 'busy' }, status === 429 ? { 'retry-after': '7' } : {});
    });
    const waits: number[] = [];
    const http = createHttpClient({ baseUrl: url, retry: { baseDelayMs: 10, sleep: async (ms) => void waits.push(ms) } });
    expect(await http.getJson('/things')).toEqual({ ok: true });
    expect(waits[0]).toBe(7000);
    expect(waits).toHaveLength(2);
  });

  it('gives up with a transient_error when retries run out', async () => {
    const url = await serve((_req, res) => json(res, 500, {}));
    const http = createHttpClient({ baseUrl: url, retry: { maxAttempts: 2, sleep: async () => {} } });
    await expect(http.getJson('/x')).rejects.toMatchObject({ failureType: 'transient_error' });
  });
});

describe('auth', () => {
  it('sends a bearer token; 401 is a config_error', async () => {
    const url = await serve((req, res) => json(res, req.headers.authorization === 'Bearer good' ? 200 : 401, {}));
    await expect(createHttpClient({ baseUrl: url, auth: bearerAuth('good') }).getJson('/')).resolves.toEqual({});
    await expect(createHttpClient({ baseUrl: url, auth: bearerAuth('bad') }).getJson('/')).rejects.toMatchObject({ failureType: 'config_error' });
  });

  it('OAuth2: refreshes at the token endpoint, reports a rotated refresh token, refreshes again on 401', async () => {
    const grants: string[] = [];
    let issued = 0;
    const tokenUrl = `${await serve((_req, res, body) => {
      const form = new URLSearchParams(body);
      grants.push(`${form.get('grant_type')}:${form.get('refresh_token')}:${form.get('client_id')}`);
      issued++;
      json(res, 200, { access_token: `at-${issued}`, expires_in: 3600, refresh_token: `rt-${issued}` });
    })}/token`;
    // The API accepts only the second access token: the first gets a 401, forcing one refresh.
    const api = await serve((req, res) => json(res, req.headers.authorization === 'Bearer at-2' ? 200 : 401, { ok: true }));
    const rotated: string[] = [];
    const auth = oauth2RefreshAuth({ tokenUrl, clientId: 'cid', clientSecret: 'secret', refreshToken: 'rt-0', onRefreshToken: (t) => rotated.push(t) });
    expect(await createHttpClient({ baseUrl: api, auth, retry: { sleep: async () => {} } }).getJson('/')).toEqual({ ok: true });
    expect(grants).toEqual(['refresh_token:rt-0:cid', 'refresh_token:rt-1:cid']);
    expect(rotated).toEqual(['rt-1', 'rt-2']);
  });

  it('OAuth2: a refused refresh token is a config_error naming the endpoint', async () => {
    const tokenUrl = `${await serve((_req, res) => json(res, 400, { error: 'invalid_grant' }))}/token`;
    const auth = oauth2RefreshAuth({ tokenUrl, clientId: 'c', clientSecret: 's', refreshToken: 'old' });
    await expect(auth.headers()).rejects.toThrow(/invalid_grant.*refresh token/);
  });
});
