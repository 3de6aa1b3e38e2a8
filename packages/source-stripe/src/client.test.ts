/**
 * The client paces every request of a read through one pacer (the connector kit's): the request rate
 * and `max_concurrency` hold across streams, not per stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '@sync/stripe-emulator';
import { createStripeClient } from './client.ts';

let emulator: StripeEmulator;
beforeAll(async () => {
  emulator = await startStripeEmulator({ objects: 0, counts: { customers: 5, charges: 5, invoices: 5 }, seed: 'client-pacing' });
});
afterAll(() => emulator?.close());

const config = (max_concurrency: number) => ({
  api_key: 'sk_test_emulator',
  base_url: emulator.url,
  page_size: 10,
  max_concurrency,
  request_timeout_ms: 60_000,
  webhook_tolerance_seconds: 300,
  requests_per_second: 1_000,
});
const streams = ['customers', 'charges', 'invoices'];

describe('pacing', () => {
  it('holds max_concurrency across streams', async () => {
    emulator.delay(20);
    emulator.resetCounters();
    try {
      const client = createStripeClient(config(2));
      await Promise.all(Array.from({ length: 12 }, (_, i) => client.list(`/v1/${streams[i % 3]!}`, { limit: 10 }, streams[i % 3])));
      expect(emulator.counters.requests).toBe(12);
      expect(emulator.counters.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      emulator.delay(0);
    }
  });

  it('holds the request rate across streams', async () => {
    const client = createStripeClient(config(8), { requestsPerSecond: 100 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 11 }, (_, i) => client.list(`/v1/${streams[i % 3]!}`, { limit: 10 }, streams[i % 3])));
    // 10 gaps of 10 ms, whichever stream asks. Only a lower bound: a busy machine may take longer.
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(client.requestCount).toBe(11);
  });
});
