/**
 * Fault matrix (docs/reliability.md), a source that fails cleanly: mid-backfill, the Stripe emulator
 * answers every request of one stream with a 500 until the Stripe source gives up
 * (`transient_error`, after its retries) and sends a TRACE ERROR. The engine forwards it to the
 * destination, which commits nothing after the last STATE it acknowledged; the run fails with the
 * source's message; the next run succeeds and the tables equal the emulator.
 *
 * The source backs off for half a minute or more before it gives up, so the three modes run at once.
 */
import { describe, expect, it } from 'vitest';
import { CASE_TIMEOUT_MS, MODES, withFaultCase } from './support/faults.ts';

describe.concurrent('the source sends a TRACE ERROR (500s on one stream until it gives up)', () => {
  it.each(MODES)('%s', async (mode) => {
    await withFaultCase(mode, `source-trace-${mode}`, async (fault) => {
      const run = fault.startRun();
      await run.midway();
      fault.emulator.inject({ status: 500, count: 1_000_000, path: '/v1/balance_transactions' });
      const faulty = await run.outcome();
      expect(faulty.exitCode, faulty.stderr).toBe(1);
      expect(faulty.error, faulty.stderr).toMatch(/^source-stripe: Stripe kept failing after \d+ attempts \(GET \/v1\/balance_transactions/);
      // The destination heard of the failure (the engine forwarded the TRACE ERROR) rather than a clean end.
      expect(faulty.stderr).toMatch(/destination-postgres: \w+: input aborted: the source failed: Stripe kept failing/);
      await fault.expectStateNotAheadOfData(true);

      await fault.recover();
    });
  }, CASE_TIMEOUT_MS);
});
