/**
 * Fault matrix (docs/reliability.md), the database restarted mid-run (`pg_ctl restart -m fast`: every
 * session terminated, as in a failover or a crash), in each destination sync mode. The state store and
 * the destination share the server, so both lose their connections: the run fails, and neither the
 * engine (its pipeline lock went with its connection, so it may persist nothing more) nor the
 * destination (its open transaction is rolled back) keeps anything past the last acknowledged STATE.
 * The next run succeeds and the tables equal the emulator.
 *
 * Its own cluster (port 55513), since restarting the shared one would break the other test files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_TIMEOUT_MS, MODES, withFaultCase } from './support/faults.ts';
import { startCluster, type TestCluster } from './support/pg-cluster.ts';

const PORT = 55513;
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster(PORT);
});
afterAll(async () => {
  await cluster?.stop();
});

describe.each(MODES)('%s', (mode) => {
  it('Postgres restarted mid-run', async () => {
    await withFaultCase(
      mode,
      `postgres-restart-${mode}`,
      async (fault) => {
        const run = fault.startRun();
        await run.midway();
        await cluster.restart();
        const faulty = await run.outcome();
        expect(faulty.exitCode, faulty.stderr).toBe(1);
        // Whichever noticed first: the destination's lost connection, the engine's lost run lock, or its
        // checkpoint that could not be saved.
        expect(faulty.error, faulty.stderr).toMatch(
          /^(destination-postgres: lost the connection to Postgres at 127\.0\.0\.1:55513|could not save a checkpoint to the state store|.*lost its pipeline lock with its connection)/,
        );
        await fault.expectStateNotAheadOfData(true);

        await fault.recover();
        // The failed run is recorded as such (by itself, or by the next run when it could not).
        expect((await fault.runs()).map((r) => r.status)).toEqual(mode === 'overwrite' ? ['succeeded', 'failed', 'succeeded'] : ['failed', 'succeeded']);
      },
      cluster.url,
    );
  }, CASE_TIMEOUT_MS);
});
