/**
 * Fault matrix (docs/reliability.md), Stripe misbehaving, in each destination sync mode:
 *
 * - 500s and 429s (with Retry-After) scattered over the backfill: the source retries them and the run
 *   succeeds, with tables equal to the emulator;
 * - a request that never completes (the emulator sends half a page and stalls): the source sends
 *   nothing, the engine's source idle timeout kills it and fails the run with one clear line, and the
 *   destination commits nothing after the last STATE it acknowledged.
 *
 * Either way, the saved state is never ahead of the data, and the next clean run succeeds.
 */
import { describe, expect, it } from 'vitest';
import { CASE_TIMEOUT_MS, MODES, withFaultCase } from './support/faults.ts';

/** Small enough that a stalled run ends quickly, large enough that a busy machine does not trip it before the stall. */
const SOURCE_IDLE_TIMEOUT = '6s';

describe.each(MODES)('%s', (mode) => {
  it('Stripe answers 500s and 429s: the run still succeeds', async () => {
    await withFaultCase(mode, `stripe-errors-${mode}`, async (fault) => {
      // Every third request a 500, every fourth of the others a 429, a bounded number of each: never
      // the eight failures in a row after which the source gives up on a request.
      const every = (n: number) => {
        let seen = 0;
        return () => ++seen % n === 0;
      };
      fault.emulator.inject({ status: 500, count: 12, when: every(3) });
      fault.emulator.inject({ status: 429, count: 6, retryAfterSeconds: 1, when: every(4) });
      fault.emulator.resetCounters();
      const faulty = await fault.startRun().outcome();
      expect(faulty.exitCode, faulty.stderr).toBe(0);
      expect(fault.emulator.counters.byStatus).toMatchObject({ 500: expect.any(Number), 429: expect.any(Number) });
      await fault.expectStateNotAheadOfData(false);
      await fault.expectTablesEqualEmulator();

      await fault.recover();
    });
  }, CASE_TIMEOUT_MS);

  it('a hung source (a response that stalls): the source idle timeout fails the run', async () => {
    await withFaultCase(mode, `stripe-stall-${mode}`, async (fault) => {
      const run = fault.startRun(['--source-idle-timeout', SOURCE_IDLE_TIMEOUT]);
      await run.midway();
      let stalled = 0;
      // Every request from now on gets half a page, and the rest ten minutes later (never, for this run).
      fault.emulator.inject({ stallBodyMs: 600_000, count: 1_000_000, when: () => ++stalled > 0 });
      const faulty = await run.outcome();
      expect(stalled).toBeGreaterThan(0);
      expect(faulty.exitCode, faulty.stderr).toBe(1);
      expect(faulty.error, faulty.stderr).toMatch(/^source-stripe sent nothing for 6s \(source idle timeout\)/);
      await fault.expectStateNotAheadOfData(true);

      await fault.recover();
    });
  }, CASE_TIMEOUT_MS);
});
