/**
 * Fault matrix (docs/reliability.md), crashes: the source, the destination or the engine itself
 * SIGKILLed in the middle of a Stripe backfill, in each destination sync mode. The run fails and
 * says which process died; the saved state is never ahead of the data; the next run succeeds and
 * leaves the tables equal to the emulator, with no record version twice.
 */
import { describe, expect, it, vi } from 'vitest';
import { running } from './support/processes.ts';
import { CASE_TIMEOUT_MS, MODES, withFaultCase } from './support/faults.ts';

describe.each(MODES)('%s', (mode) => {
  it('the source SIGKILLed mid-run', async () => {
    await withFaultCase(mode, `source-kill-${mode}`, async (fault) => {
      const run = fault.startRun();
      await run.midway();
      expect(run.killConnector('source-stripe')).toHaveLength(1);
      const faulty = await run.outcome();
      expect(faulty.exitCode, faulty.stderr).toBe(1);
      expect(faulty.error, faulty.stderr).toMatch(/^source-stripe was killed by SIGKILL/);
      await fault.expectStateNotAheadOfData(true);

      await fault.recover();
    });
  }, CASE_TIMEOUT_MS);

  it('the destination SIGKILLed mid-run', async () => {
    await withFaultCase(mode, `destination-kill-${mode}`, async (fault) => {
      const run = fault.startRun();
      await run.midway();
      expect(run.killConnector('destination-postgres')).toHaveLength(1);
      const faulty = await run.outcome();
      expect(faulty.exitCode, faulty.stderr).toBe(1);
      // The destination's death is the cause, not the source the engine stopped after it.
      expect(faulty.error, faulty.stderr).toMatch(/^destination-postgres was killed by SIGKILL/);
      await fault.expectStateNotAheadOfData(true);

      await fault.recover();
    });
  }, CASE_TIMEOUT_MS);

  it('the engine (the sync CLI) SIGKILLed while the destination commits: its connectors stop without committing past the last acknowledged STATE', async () => {
    await withFaultCase(mode, `engine-kill-${mode}`, async (fault) => {
      const run = fault.startRun();
      await run.midway();
      // The engine dies while the destination is in the middle of a commit: once it goes through, the
      // destination holds a batch whose acknowledgement the engine never saved, which the next run
      // reads again (in append, only the replay guard keeps it from being stored twice).
      const held = await fault.holdWrites();
      const connectors = run.killEngine();
      expect(connectors).toHaveLength(2);
      const faulty = await run.outcome();
      expect(faulty.exitCode).toBeUndefined();
      await held.release();
      // Orphaned, the source fails on its next write (EPIPE); the destination on its next
      // acknowledgement, or at the end of its input, where it cannot prove the engine still reads its
      // output (harness EOF probe).
      await vi.waitFor(() => expect(connectors.filter(running)).toEqual([]), { timeout: 30_000, interval: 50 });
      await fault.expectStateNotAheadOfData(true);

      await fault.recover();
      // The next run found the killed one still 'running' and marked it failed.
      const runs = await fault.runs();
      expect(runs.at(-2)).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
    });
  }, CASE_TIMEOUT_MS);
});
