/**
 * Crash and resume: SIGKILL the destination in the middle of a run; the next run starts from the last
 * acknowledged states and the tables end equal to the source. What a resume means, checked on data
 * (never on page counts or timing, which depend on how ranges split under load): everything an
 * acknowledged state claims is in its table already, and the next run reads exactly the objects
 * those states do not claim, none of the ones they do.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { stripeCatalog, type StripeStreamState } from '@sync/source-stripe';
import { claimedBy } from '../packages/source-stripe/src/test-support.ts';
import { runCli, startCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { killConnectorWhen } from './support/processes.ts';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

let emulator: StripeEmulator;
const schema = freshSchema();

beforeAll(async () => {
  emulator = await startEmulator({ objects: 4000, seed: 'resume' });
});
afterAll(() => emulator?.close());

/** Streams `sync run` reads incrementally (the others are read whole every run, whatever their state). */
const incremental = new Set(stripeCatalog().streams.filter((s) => s.supported_sync_modes.includes('incremental')).map((s) => s.name));

it('resumes after the destination is killed mid-run: reads exactly what the acknowledged states leave, and ends exact', async () => {
  emulator.delay(15); // slow enough to land the kill in the middle
  const env = stripeEnv(emulator);
  const first = startCli(runArgs(schema), env);
  // At the first checkpoint of the third stream: two streams done, one in flight, the rest not started.
  const crash = killConnectorWhen(first, 'destination-postgres', ({ checkpointedStreams }) => checkpointedStreams.size >= 3);
  const crashed = await first;
  expect(crash.killed()).toBe(true);
  expect(crashed.exitCode).toBe(1);
  // One error line; which connector it names depends on what the engine saw first (how the engine
  // words a killed destination is tested with the engine): this test is about the resume.
  expect(String(crashed.stderr)).toMatch(/^sync: error: /m);

  // What the acknowledged states claim, per stream: all of it is committed.
  const saved = await query<{ stream: string; state: StripeStreamState }>("select stream, state->'stream'->'stream_state' as state from sync.stream_states where pipeline_id = $1", [schema]);
  expect(saved.length).toBeGreaterThanOrEqual(3);
  const claimed = new Map<string, Set<string>>();
  for (const { stream, state } of saved) {
    const ids = claimedBy(state, emulator.objects(stream));
    claimed.set(stream, ids);
    const committed = new Set((await tableRows(schema, stream)).map((r) => r.id));
    for (const id of ids) expect(committed.has(id), `${stream}: the state claims ${id}, which is not in the table`).toBe(true);
  }
  expect([...claimed.values()].reduce((n, ids) => n + ids.size, 0)).toBeGreaterThan(0);

  emulator.delay(0);
  const second = await runCli(runArgs(schema), env);
  expect(second.stderr).toMatch(/resum/);
  expect(second.exitCode).toBe(0);

  // The resumed run read every object the states do not claim, once, and none they do (nothing
  // changed in between, so an incremental stream has nothing else to read).
  const [resumed] = await query<{ streams: Record<string, { records_read: number }> }>(
    "select streams from sync.runs where pipeline_id = $1 and status = 'succeeded'", [schema]);
  for (const resource of emulator.resources) {
    const served = emulator.objects(resource).length;
    const expected = incremental.has(resource) ? served - (claimed.get(resource)?.size ?? 0) : served;
    expect(resumed!.streams[resource]?.records_read ?? 0, resource).toBe(expected);
    expect(await tableRows(schema, resource), resource).toEqual(servedRows(emulator, resource));
  }
  const runs = await query<{ status: string }>(`select status from sync.runs where pipeline_id = $1 order by started_at`, [schema]);
  expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
});
