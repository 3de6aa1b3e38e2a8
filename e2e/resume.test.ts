/**
 * Crash and resume: SIGKILL the destination in the middle of a run; the next run starts from the last
 * acknowledged state (it does not re-read completed pages) and the tables end equal to the source.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { runCli, startCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { killConnectorWhen } from './support/processes.ts';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

let emulator: StripeEmulator;
const schema = freshSchema();
const pageRequests = () => emulator.requests.filter((r) => /^\/v1\/[a-z_]+$/.test(r.path)).length;

beforeAll(async () => {
  emulator = await startEmulator({ objects: 4000, seed: 'resume' });
});
afterAll(() => emulator?.close());

it('resumes after the destination is killed mid-run and ends exact', async () => {
  // How many pages a full sync takes, measured on the same data with the same page size.
  const probe = freshSchema();
  expect((await runCli(runArgs(probe), stripeEnv(emulator))).exitCode).toBe(0);
  const fullSyncPages = pageRequests();
  emulator.resetRequests();

  emulator.delay(15); // slow enough to land the kill in the middle
  const env = stripeEnv(emulator);
  const first = startCli(runArgs(schema), env);
  // At the first checkpoint of the third stream: two streams done, one in flight, the rest not started.
  const crash = killConnectorWhen(first, 'destination-postgres', ({ checkpointedStreams }) => checkpointedStreams.size >= 3);
  const crashed = await first;
  expect(crash.killed()).toBe(true);
  expect(crashed.exitCode).toBe(1);
  expect(String(crashed.stderr)).toMatch(/sync: error: destination-postgres was killed by SIGKILL/);
  const firstRunPages = pageRequests();
  const committed = await query<{ stream: string }>(`select stream from sync.stream_states where pipeline_id = $1`, [schema]);
  expect(committed.length).toBeGreaterThanOrEqual(2);

  emulator.delay(0);
  emulator.resetRequests();
  const second = await runCli(runArgs(schema), env);
  expect(second.stderr).toMatch(/resum/);
  expect(second.exitCode).toBe(0);
  const secondRunPages = pageRequests();

  // The second run did not start over: together the two runs read about one full sync's pages,
  // plus at most one overlapping page per stream (the page of the last acknowledged state).
  expect(secondRunPages).toBeLessThan(fullSyncPages);
  expect(firstRunPages + secondRunPages).toBeLessThanOrEqual(fullSyncPages + 2 * emulator.resources.length);

  for (const resource of emulator.resources) {
    expect(await tableRows(schema, resource), resource).toEqual(servedRows(emulator, resource));
  }
  const runs = await query<{ status: string }>(`select status from sync.runs where pipeline_id = $1 order by started_at`, [schema]);
  expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
});
