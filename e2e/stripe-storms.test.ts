/**
 * Storms: bursts of 429s and 500s, a rate limit below the source's request rate and random server
 * errors still end with complete data, each object read once. (That memory stays flat through storms is measured, not
 * asserted: `pnpm bench stripe-storm-memory`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { runCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

describe('Stripe storms', () => {
  let emulator: StripeEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ objects: 5_000, seed: 'stripe-storms', rateLimit: 30, failureRate: 0.05 });
  });
  afterAll(() => emulator?.close());

  it('ends with complete data through storms of 429s and 500s', async () => {
    const schema = freshSchema('ss');
    let seen = 0;
    // Two storms: the 60th request starts 25 answers of 429, the 150th 25 answers of 500.
    emulator.inject({ delayMs: 1, count: 1_000_000, when: () => {
      seen++;
      if (seen === 60) emulator.inject({ status: 429, count: 25, retryAfterSeconds: 1 });
      if (seen === 150) emulator.inject({ status: 500, count: 25 });
      return false;
    } });
    const result = await runCli(runArgs(schema, '--source-config', JSON.stringify({ page_size: 50, requests_per_second: 60 })), stripeEnv(emulator));
    emulator.clearFaults();
    expect(result.exitCode).toBe(0);
    for (const resource of emulator.resources) expect(await tableRows(schema, resource), resource).toEqual(servedRows(emulator, resource));
    const [run] = await query<{ streams: Record<string, { records_read: number }> }>('select streams from sync.runs where pipeline_id = $1', [schema]);
    for (const resource of emulator.resources) expect(run!.streams[resource]!.records_read, resource).toBe(emulator.objects(resource).length);
    const counters = emulator.counters;
    expect(counters.byStatus['429']).toBeGreaterThanOrEqual(25);
    expect(counters.byStatus['500']).toBeGreaterThanOrEqual(25);
    // Whether the rate limit itself was hit depends on how fast this machine sends: not asserted.
  });
});
