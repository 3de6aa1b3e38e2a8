import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { takeRateToken } from '@sync/state-postgres';
import { storeForTests } from '@sync/state-postgres/test-support';
import { AccountLimiter } from './account-limiter.ts';
import { startRateLimitProxy, type RateLimitProxy } from './proxy.ts';

// The store makes the rate buckets' table in the schema.
const { url, schema } = storeForTests('test_rate_proxy');
let pool: pg.Pool;

/** What the target server saw of a request. */
interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

let target: http.Server;
let targetUrl: string;
const seen: Seen[] = [];
const answerBody = randomBytes(200_000);

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: url, max: 2 });
  // A stand-in for Stripe: records each request whole, and answers /v1/limited with a 429 and
  // anything else with binary bytes, a status message of its own and repeated headers.
  target = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
      if (req.url === '/v1/limited') {
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end('{"error":{"type":"rate_limit_error"}}');
        return;
      }
      res.writeHead(201, 'Made It', ['Content-Type', 'application/octet-stream', 'X-Twice', 'one', 'x-twice', 'two', 'Request-Id', 'req_123', 'Content-Length', String(answerBody.length)]);
      res.end(answerBody);
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});
afterAll(async () => {
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  await pool?.end();
});

/** A request through the proxy; resolves with what came back, whole. */
function send(proxy: RateLimitProxy, path: string, options: { method?: string; headers?: string[]; body?: Buffer } = {}) {
  return new Promise<{ status: number; statusMessage: string; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
    // Headers as an array (names as written, repeats kept) get no Host from Node: it goes first.
    const headers = ['Host', new URL(proxy.url).host, ...(options.headers ?? [])];
    const request = http.request(`${proxy.url}${path}`, { method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, statusMessage: res.statusMessage!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    // Two writes: the body goes out chunked, without a Content-Length.
    if (options.body) {
      request.write(options.body.subarray(0, 1000));
      request.write(options.body.subarray(1000));
    }
    request.end();
  });
}

const pairs = (raw: readonly string[]) => Array.from({ length: raw.length / 2 }, (_, i) => `${raw[2 * i]}: ${raw[2 * i + 1]}`);

describe('the rate-limit proxy', () => {
  it('forwards method, path, query, headers and body byte for byte both ways, less Host and the hop-by-hop headers', async () => {
    const limiter = new AccountLimiter('acct:exact', () => takeRateToken(pool, schema, 'acct:exact', { rate: 100, burst: 10 }));
    const proxy = await startRateLimitProxy({ target: targetUrl, limiter, log: () => {} });
    try {
      const body = randomBytes(300_000);
      const headers = ['Authorization', 'Bearer sk_test_abc', 'X-Twice', 'a', 'x-twice', 'b', 'Stripe-Version', '2024-04-10', 'Connection', 'keep-alive, X-Hop', 'X-Hop', 'dropped', 'Content-Type', 'application/x-www-form-urlencoded'];
      const answer = await send(proxy, '/v1/customers?limit=3&expand[]=data.default_source', { method: 'POST', headers, body });
      const got = seen.at(-1)!;
      expect(got.method).toBe('POST');
      expect(got.url).toBe('/v1/customers?limit=3&expand[]=data.default_source');
      expect(got.body.equals(body)).toBe(true);
      expect(pairs(got.rawHeaders).filter((h) => !/^(host|connection|transfer-encoding):/i.test(h))).toEqual([
        'Authorization: Bearer sk_test_abc',
        'X-Twice: a',
        'x-twice: b',
        'Stripe-Version: 2024-04-10',
        'Content-Type: application/x-www-form-urlencoded',
      ]);
      expect(pairs(got.rawHeaders)).toContain(`Host: ${new URL(targetUrl).host}`);
      expect(answer.status).toBe(201);
      expect(answer.statusMessage).toBe('Made It');
      expect(answer.body.equals(answerBody)).toBe(true);
      expect(pairs(answer.rawHeaders).filter((h) => !/^(date|connection|keep-alive):/i.test(h))).toEqual([
        'Content-Type: application/octet-stream',
        'X-Twice: one',
        'x-twice: two',
        'Request-Id: req_123',
        `Content-Length: ${answerBody.length}`,
      ]);
      expect(limiter.counts).toMatchObject({ account: 'acct:exact', requests: 1, rateLimited: 0 });
    } finally {
      await proxy.close();
    }
  });

  it("counts the target's 429s, and answers a Stripe-shaped 502 when the target cannot be reached", async () => {
    const limiter = new AccountLimiter('acct:errors', () => takeRateToken(pool, schema, 'acct:errors', { rate: 100, burst: 10 }));
    const proxy = await startRateLimitProxy({ target: targetUrl, limiter, log: () => {} });
    try {
      expect((await send(proxy, '/v1/limited')).status).toBe(429);
      expect(limiter.counts).toMatchObject({ requests: 1, rateLimited: 1 });
    } finally {
      await proxy.close();
    }
    // A port nothing listens on: the proxy's own, now closed.
    const warnings: string[] = [];
    const dead = await startRateLimitProxy({ target: proxy.url, limiter, log: (_level, message) => warnings.push(message) });
    try {
      const answer = await send(dead, '/v1/customers');
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.body.toString())).toEqual({ error: { type: 'api_error', message: expect.stringMatching(new RegExp(`^sync's rate-limit proxy cannot reach ${proxy.url}: .*ECONNREFUSED`)) } });
      expect(warnings).toEqual([expect.stringMatching(/^rate-limit proxy: GET http:\/\/127\.0\.0\.1:\d+\/v1\/customers: .*ECONNREFUSED/)]);
    } finally {
      await dead.close();
    }
  });

  it('answers 503 with Retry-After when the bucket cannot be read, naming the account', async () => {
    const limiter = new AccountLimiter('acct:nostore', () => takeRateToken(pool, 'no_such_schema', 'acct:nostore', { rate: 100, burst: 10 }));
    const proxy = await startRateLimitProxy({ target: targetUrl, limiter, log: () => {} });
    try {
      const answer = await send(proxy, '/v1/customers');
      expect(answer.status).toBe(503);
      expect(pairs(answer.rawHeaders)).toContain('retry-after: 1');
      expect(JSON.parse(answer.body.toString()).error.message).toMatch(/^sync's rate-limit proxy could not take a token for this request: cannot take a request token of acct:nostore from the state store: relation "no_such_schema.rate_buckets" does not exist/);
      expect(limiter.counts.requests).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
