import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '@sync/connector-kit';
import { createStripeClient } from './client.ts';
import { StreamUnavailableError, StripeRequestError } from './retry.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that drops the connection of the first `resets` requests, then answers an empty list. */
async function flakyServer(resets: number): Promise<string> {
  let seen = 0;
  server = createServer((req, res) => {
    if (seen++ < resets) return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [], has_more: false, url: req.url }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, unreachableAttempts: 2 };

let seen = 0;
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

/** A server answering each request with the next status and headers of `answers` (an empty list at 200), counting them in `seen`. */
async function answerInTurn(answers: Array<[number, Record<string, string>]>): Promise<void> {
  seen = 0;
  server = createServer((req, res) => {
    const [status, headers] = answers[Math.min(seen++, answers.length - 1)]!;
    const body = status === 200 ? { object: 'list', data: [], has_more: false, url: req.url } : { error: { type: 'api_error', message: `status ${status}` } };
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
}
const config = (base_url: string) => ({ api_key: 'sk_test_x', base_url, page_size: 10, max_concurrency: 4, request_timeout_ms: 60_000, webhook_tolerance_seconds: 300, requests_per_second: 1000 });

describe('retries', () => {
  it('retries connection resets', async () => {
    const client = createStripeClient(config(await flakyServer(2)), { retry: policy });
    await expect(client.list('/v1/customers', { limit: 10 })).resolves.toMatchObject({ data: [], has_more: false });
  });

  it('turns resets that never stop into a transient_error', async () => {
    const client = createStripeClient(config(await flakyServer(100)), { retry: policy });
    const error = await client.list('/v1/customers', { limit: 10 }, 'customers').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ failureType: 'transient_error', stream: 'customers' });
  });

  it('backs off exponentially with jitter, never below Retry-After nor above the cap', async () => {
    const answers: Array<[number, Record<string, string>]> = [[500, {}], [500, {}], [429, { 'retry-after': '1' }], [429, { 'retry-after': '3600' }], [200, {}]];
    await answerInTurn(answers);
    const waits: number[] = [];
    const client = createStripeClient(config(urlOf(server!)), { retry: { maxAttempts: 5, baseDelayMs: 8, maxDelayMs: 1_000, unreachableAttempts: 2, onRetry: ({ delayMs }) => waits.push(delayMs) } });
    await expect(client.list('/v1/customers', { limit: 10 })).resolves.toMatchObject({ has_more: false });
    expect(waits).toHaveLength(4);
    expect(waits[0]).toBeGreaterThanOrEqual(8);
    expect(waits[0]).toBeLessThanOrEqual(16);
    expect(waits[1]).toBeGreaterThanOrEqual(16);
    expect(waits[1]).toBeLessThanOrEqual(32);
    // Retry-After is longer than the backoff: it wins, up to the cap.
    expect(waits.slice(2)).toEqual([1_000, 1_000]);
  });

  it('tells a feature the account lacks (403, or a 400 naming no parameter) from a bad request', async () => {
    const answers: Record<string, [number, object]> = {
      '/v1/issuing/cards': [400, { error: { type: 'invalid_request_error', message: 'Your account is not set up to use Issuing.' } }],
      '/v1/treasury/financial_accounts': [403, { error: { type: 'invalid_request_error', message: 'The provided key does not have the required permissions.' } }],
      '/v1/customers': [400, { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'starting_after', message: "No such customer: 'cus_x'" } }],
    };
    server = createServer((req, res) => {
      const [status, body] = answers[new URL(req.url!, 'http://x').pathname]!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = createStripeClient(config(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), { retry: policy });
    await expect(client.list('/v1/issuing/cards', {}, 'issuing_cards')).rejects.toThrow(StreamUnavailableError);
    await expect(client.list('/v1/treasury/financial_accounts', {})).rejects.toThrow(/may not have this feature enabled, or the key may lack read access/);
    const missing = await client.list('/v1/customers', { starting_after: 'cus_x' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StripeRequestError);
    expect(missing).toMatchObject({ code: 'resource_missing', param: 'starting_after', failureType: 'system_error' });
  });

  it('refuses a base_url with a path', () => {
    expect(() => createStripeClient(config('https://api.stripe.com/v1'))).toThrow(/must be just scheme, host and port/);
  });
});

describe('Stripe-Should-Retry', () => {
  it('retries an answer Stripe says to retry, whatever its status', async () => {
    await answerInTurn([[409, { 'stripe-should-retry': 'true' }], [200, {}]]);
    const client = createStripeClient(config(urlOf(server!)), { retry: policy });
    await expect(client.list('/v1/customers', { limit: 10 })).resolves.toMatchObject({ has_more: false });
    expect(seen).toBe(2);
  });

  it('does not retry a 5xx Stripe says not to retry: a transient_error at once', async () => {
    await answerInTurn([[503, { 'stripe-should-retry': 'false' }], [200, {}]]);
    const client = createStripeClient(config(urlOf(server!)), { retry: policy });
    await expect(client.list('/v1/customers', { limit: 10 }, 'customers')).rejects.toMatchObject({
      failureType: 'transient_error',
      stream: 'customers',
      message: expect.stringMatching(/Stripe-Should-Retry: false/),
    });
    expect(seen).toBe(1);
  });
});

describe('Retry-After', () => {
  it('waits as long as a Retry-After given as an HTTP date asks', async () => {
    let seen = 0;
    server = createServer((req, res) => {
      if (seen++ === 0) {
        const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': inTwoSeconds });
        return res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow down' } }));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [], has_more: false, url: req.url }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const waits: number[] = [];
    const client = createStripeClient(config(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), {
      retry: { ...policy, maxDelayMs: 60_000, onRetry: ({ delayMs }) => waits.push(delayMs) },
    });
    await expect(client.list('/v1/customers', { limit: 10 })).resolves.toMatchObject({ has_more: false });
    // An HTTP date has one-second precision: the wait is at least one second, at most two.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1_000);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
  });
});
