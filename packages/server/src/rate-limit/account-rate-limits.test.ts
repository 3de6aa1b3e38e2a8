import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import Stripe from 'stripe';
import type { StoredPipeline } from '@sync/state-postgres';
import { storeForTests } from '@sync/state-postgres/test-support';
import { startStripeEmulator, type StripeEmulator } from '@sync/stripe-emulator';
import { createAccountRateLimits } from './account-rate-limits.ts';
import { stripeAccount, stripeAccountRate } from './stripe-account.ts';

// The store makes the rate buckets' table in the schema.
const { url, schema } = storeForTests('test_account_limits');
const KEY = 'sk_test_shared_account';
let pool: pg.Pool;
let emulator: StripeEmulator;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: url, max: 4 });
  // Stripe's test-mode limit, answered with 429s above it, as Stripe does.
  emulator = await startStripeEmulator({ objects: 200, apiKey: KEY, rateLimit: 25 });
});
afterAll(async () => {
  await emulator?.close();
  await pool?.end();
});

const pipeline = (id: string, source = 'stripe') => ({ id, source: { name: source, config: {} } }) as unknown as StoredPipeline;
const log = () => {};

describe('stripe accounts', () => {
  it('are named by a hash of the key, never the key; live keys get 100/s, others 25/s (Stripe)', () => {
    expect(stripeAccount('sk_test_abc')).toMatch(/^acct:[0-9a-f]{16}$/);
    expect(stripeAccount('sk_test_abc')).toBe(stripeAccount('sk_test_abc'));
    expect(stripeAccount('sk_test_abc')).not.toBe(stripeAccount('rk_test_abc'));
    expect([stripeAccountRate('sk_live_x'), stripeAccountRate('rk_live_x'), stripeAccountRate('sk_test_x'), stripeAccountRate('rk_test_x'), stripeAccountRate('other')]).toEqual([100, 100, 25, 25, 25]);
  });
});

describe('createAccountRateLimits', () => {
  it('leaves other sources, and Stripe configs it cannot use, as they are', async () => {
    const limits = createAccountRateLimits({ pool, schema, log });
    for (const [source, config] of [
      ['faker', { api_key: KEY }],
      ['stripe', {}],
      ['stripe', { api_key: KEY, base_url: 'not a url' }],
      ['stripe', { api_key: KEY, base_url: 'ftp://example.com' }],
    ] as const) {
      const prepared = await limits.prepareSource(pipeline('p', source), config);
      expect(prepared.config).toBe(config);
      await prepared.release();
    }
    expect(limits.counts()).toEqual([]);
  });

  it('points a Stripe source at its proxy, at the lower of its own rate and the account rate', async () => {
    const limits = createAccountRateLimits({ pool, schema, rate: 10, log });
    const own = await limits.prepareSource(pipeline('a'), { api_key: KEY, base_url: emulator.url, requests_per_second: 4, page_size: 50 });
    const byDefault = await limits.prepareSource(pipeline('b'), { api_key: 'sk_live_abc', base_url: emulator.url });
    try {
      expect(own.config).toEqual({ api_key: KEY, base_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), requests_per_second: 4, page_size: 50 });
      // A live key's own default 100 > 10.
      expect(byDefault.config).toEqual({ api_key: 'sk_live_abc', base_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), requests_per_second: 10 });
      expect(limits.counts().map((c) => c.account).sort()).toEqual([stripeAccount(KEY), stripeAccount('sk_live_abc')].sort());
    } finally {
      await own.release();
      await byDefault.release();
    }
    // A base_url that refuses connections is left to the source, which reports it as a config error.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await limits.prepareSource(pipeline('d'), { api_key: KEY, base_url: refused });
    expect(unreachable.config).toEqual({ api_key: KEY, base_url: refused });
    expect(() => createAccountRateLimits({ pool, schema, burstSeconds: 0, log })).toThrow('burstSeconds must be a positive number of seconds, not 0');
    await expect(createAccountRateLimits({ pool, schema, rate: () => -1, log }).prepareSource(pipeline('c'), { api_key: KEY })).rejects.toThrow(
      'the Stripe rate limit must be a positive number of requests per second (SYNC_STRIPE_RATE_LIMIT), not -1',
    );
  });

  it('keeps three runs on one account, in three processes, under its limit together: no 429 from an account limited to 25/s', async () => {
    // Three "processes" (each its own limits and pool connection), one run each, all on one account.
    const processes = [createAccountRateLimits({ pool, schema, log }), createAccountRateLimits({ pool, schema, log }), createAccountRateLimits({ pool, schema, log })];
    const runs = await Promise.all(processes.map((limits, i) => limits.prepareSource(pipeline(`run-${i}`), { api_key: KEY, base_url: emulator.url })));
    emulator.resetCounters();
    const perRun = 40;
    try {
      await Promise.all(
        runs.map(async ({ config }) => {
          // As the Stripe source does: the SDK on the proxy's URL, four requests in flight, no retries.
          const base = new URL(config.base_url as string);
          const stripe = new Stripe(KEY, { host: base.hostname, port: Number(base.port), protocol: 'http', maxNetworkRetries: 0 });
          let sent = 0;
          const loop = async () => {
            while (sent < perRun) {
              sent++;
              await stripe.customers.list({ limit: 1 });
            }
          };
          await Promise.all([loop(), loop(), loop(), loop()]);
          expect(config.requests_per_second).toBe(25);
        }),
      );
    } finally {
      await Promise.all(runs.map((r) => r.release()));
    }
    expect(emulator.counters).toMatchObject({ requests: 3 * perRun, rateLimited: 0 });
    for (const limits of processes) expect(limits.counts()).toEqual([{ account: stripeAccount(KEY), requests: perRun, rateLimited: 0, waitedSeconds: expect.any(Number) }]);
  });
});
