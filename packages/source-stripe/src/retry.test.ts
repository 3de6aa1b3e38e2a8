import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '@sync/protocol';
import { createStripeClient } from './client.ts';
import { backoffMs, DEFAULT_RETRY_POLICY } from './retry.ts';

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

describe('retries', () => {
  it('retries connection resets', async () => {
    const client = createStripeClient({ api_key: 'sk_test_x', base_url: await flakyServer(2), page_size: 10 }, policy);
    await expect(client.list('customers', { limit: 10 })).resolves.toMatchObject({ data: [], has_more: false });
  });

  it('turns resets that never stop into a transient_error', async () => {
    const client = createStripeClient({ api_key: 'sk_test_x', base_url: await flakyServer(100), page_size: 10 }, policy);
    const error = await client.list('customers', { limit: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ failureType: 'transient_error', stream: 'customers' });
  });

  it('backs off exponentially with jitter, never below Retry-After nor above the cap', () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ms = backoffMs(DEFAULT_RETRY_POLICY, attempt);
      const full = DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1);
      expect(ms).toBeGreaterThanOrEqual(full / 2);
      expect(ms).toBeLessThanOrEqual(full);
    }
    expect(backoffMs(DEFAULT_RETRY_POLICY, 1, 5_000)).toBe(5_000);
    expect(backoffMs(DEFAULT_RETRY_POLICY, 30)).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxDelayMs);
    expect(backoffMs(DEFAULT_RETRY_POLICY, 1, 3_600_000)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
  });

  it('refuses a base_url with a path', () => {
    expect(() => createStripeClient({ api_key: 'k', base_url: 'https://api.stripe.com/v1', page_size: 1 })).toThrow(/must be just scheme, host and port/);
  });
});
