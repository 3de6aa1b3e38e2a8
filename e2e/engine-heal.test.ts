/**
 * State and data that disagree heal: the saved state of `customers` claims rows that the destination
 * no longer holds (its schema was dropped). The destination says so before reading (checkpoint
 * missing); the engine warns once, reads `customers` again from the beginning within the same run,
 * and never reports success over an empty table. Stripe emulator, real Postgres destination, the CLI.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { runCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

let emulator: StripeEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ objects: 300, seed: 'engine-heal' });
});
afterAll(() => emulator?.close());

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

it('reads a stream again from the beginning when the destination lost what its saved state claims', async () => {
  const schema = freshSchema('heal');
  const args = runArgs(schema, '--streams', 'customers', '--plain');
  const first = await runCli(args, stripeEnv(emulator));
  expect(first.exitCode, first.stderr).toBe(0);
  expect(warnings(first.stderr)).toEqual([]);
  expect(await tableRows(schema, 'customers')).toEqual(servedRows(emulator, 'customers'));

  await query(`drop schema "${schema}" cascade`);

  const second = await runCli(args, stripeEnv(emulator));
  expect(second.exitCode, second.stderr).toBe(0);
  expect(warnings(second.stderr)).toEqual([
    'warning: the destination no longer holds what the saved state of customers claims; reading customers again from the beginning',
  ]);
  expect(await tableRows(schema, 'customers')).toEqual(servedRows(emulator, 'customers'));
  const runs = await query<{ status: string; records: string }>(
    `select status, streams -> 'customers' ->> 'records_committed' as records from sync.runs where pipeline_id = $1 order by started_at`,
    [schema],
  );
  expect(runs).toEqual([
    { status: 'succeeded', records: String(emulator.objects('customers').length) },
    { status: 'succeeded', records: String(emulator.objects('customers').length) },
  ]);

  // And the run after that resumes as usual, with nothing to heal.
  const third = await runCli(args, stripeEnv(emulator));
  expect(third.exitCode, third.stderr).toBe(0);
  expect(warnings(third.stderr)).toEqual([]);
});
