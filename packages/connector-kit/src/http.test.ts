import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerAuth, oauth2RefreshAuth } from './auth.ts';
import { createHttpClient } from './http.ts';

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
  it('retries 429 and 5xx, waiting what Retry-After asks', async () => {
    const statuses = [429, 503, 200];
    const url = await serve((_req, res) => {
      const status = statuses.shift()!;
      json(res, status, status === 200 ? { ok: true } : { error: 'busy' }, status === 429 ? { 'retry-after': '1' } : {});
    });
    const waits: number[] = [];
    const http = createHttpClient({ baseUrl: url, retry: { baseDelayMs: 10, onRetry: ({ delayMs }) => waits.push(delayMs) } });
    expect(await http.getJson('/things')).toEqual({ ok: true });
    expect(waits[0]).toBe(1000);
    expect(waits).toHaveLength(2);
  });

  it('gives up with a transient_error when retries run out', async () => {
    let seen = 0;
    const url = await serve((_req, res) => json(res, 500, { seen: ++seen }));
    const http = createHttpClient({ baseUrl: url, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await expect(http.getJson('/x')).rejects.toMatchObject({ failureType: 'transient_error', message: 'GET /x: HTTP 500 (gave up after 2 attempts; try again later)' });
    expect(seen).toBe(2);
  });

  it('retries a server it cannot reach, then says which', async () => {
    // A port nothing listens on any more.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const http = createHttpClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await expect(http.getJson('/x')).rejects.toMatchObject({ failureType: 'transient_error', message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*gave up after 2 attempts/) });
  });

  it('does not retry other statuses', async () => {
    let seen = 0;
    const url = await serve((_req, res) => json(res, 400, { seen: ++seen }));
    await expect(createHttpClient({ baseUrl: url, retry: { baseDelayMs: 1 } }).getJson('/x')).rejects.toMatchObject({ failureType: 'system_error' });
    expect(seen).toBe(1);
  });

  it('sends every attempt through its pacer', async () => {
    const statuses = [503, 200];
    const url = await serve((_req, res) => json(res, statuses.shift()!, {}));
    let paced = 0;
    const pacer = { run: <T>(request: () => Promise<T>) => (paced++, request()), stop: async () => {} };
    await createHttpClient({ baseUrl: url, pacer, retry: { baseDelayMs: 1 } }).getJson('/x');
    expect(paced).toBe(2);
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
    expect(await createHttpClient({ baseUrl: api, auth, retry: { baseDelayMs: 1 } }).getJson('/')).toEqual({ ok: true });
    expect(grants).toEqual(['refresh_token:rt-0:cid', 'refresh_token:rt-1:cid']);
    expect(rotated).toEqual(['rt-1', 'rt-2']);
  });

  it('OAuth2: a refused refresh token is a config_error naming the endpoint', async () => {
    const tokenUrl = `${await serve((_req, res) => json(res, 400, { error: 'invalid_grant' }))}/token`;
    const auth = oauth2RefreshAuth({ tokenUrl, clientId: 'c', clientSecret: 's', refreshToken: 'old' });
    await expect(auth.headers()).rejects.toThrow(/invalid_grant.*refresh token/);
  });
});
