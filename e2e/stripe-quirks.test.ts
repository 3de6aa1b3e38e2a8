/**
 * `sync run --source stripe --dest postgres` against servers that are not quite Stripe (the
 * emulator's quirks, `sync emulator stripe --ignore-created-filter | --same-second N |
 * --shuffle-within-second | --ignore-starting-after`): every run ends; the tables equal the
 * emulator's objects, each read once; the next run reads only what is new. A server that cannot be
 * read exactly fails the run with one clear line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StripeEmulator, StripeEmulatorOptions } from '@sync/stripe-emulator';
import { runCli, type CliResult } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

/** An events stream and two `created` streams; small pages so that ranges split. */
const STREAMS = ['customers', 'balance_transactions', 'shipping_rates'];
const COUNTS = { customers: 1_200, balance_transactions: 600, shipping_rates: 50 };
const SOURCE_CONFIG = JSON.stringify({ page_size: 20, requests_per_second: 400, max_concurrency: 6 });

let emulator: StripeEmulator | undefined;
afterEach(() => emulator?.close());

async function setUp(options: StripeEmulatorOptions): Promise<{ schema: string; run: () => Promise<CliResult> }> {
  emulator = await startEmulator({ objects: 0, counts: COUNTS, seed: 'stripe-quirks', ...options });
  const schema = freshSchema('sq');
  const args = runArgs(schema, '--streams', STREAMS.join(','), '--source-config', SOURCE_CONFIG);
  return { schema, run: () => runCli(args, stripeEnv(emulator!)) };
}

/** Records read per stream by each run of the pipeline, oldest run first. */
async function recordsRead(schema: string): Promise<Array<Record<string, number>>> {
  const runs = await query<{ streams: Record<string, { records_read: number }> }>('select streams from sync.runs where pipeline_id = $1 order by started_at', [schema]);
  return runs.map((r) => Object.fromEntries(STREAMS.map((s) => [s, r.streams[s]!.records_read])));
}

/** Each table is exactly the emulator's objects, and the last run read each object once. */
async function expectExact(schema: string): Promise<void> {
  for (const stream of STREAMS) expect(await tableRows(schema, stream), stream).toEqual(servedRows(emulator!, stream));
  expect((await recordsRead(schema)).at(-1)).toEqual(Object.fromEntries(STREAMS.map((s) => [s, emulator!.objects(s).length])));
}

/** Changes after the first run; the next run reads those and nothing else. */
async function expectNextRunReadsOnlyChanges(schema: string, run: () => Promise<CliResult>): Promise<CliResult> {
  emulator!.create('customers', { email: 'quirk@example.com' });
  emulator!.add('balance_transactions', 3);
  emulator!.create('shipping_rates');
  const next = await run();
  expect(next.exitCode, next.stderr).toBe(0);
  for (const stream of STREAMS) expect(await tableRows(schema, stream), stream).toEqual(servedRows(emulator!, stream));
  expect((await recordsRead(schema)).at(-1)).toEqual({ customers: 1, balance_transactions: 3, shipping_rates: 1 });
  return next;
}

const quirkWarnings = (stderr: string, stream: string) => stderr.split('\n').filter((line) => line.includes(`stream ${stream}: the server ignores the created filter`));

describe('Stripe source against servers that are not quite Stripe', () => {
  it('ignores the created filter (--ignore-created-filter): exact tables, at most one warning per stream, then only the changes', async () => {
    const { schema, run } = await setUp({ ignoreCreatedFilter: true });
    const first = await run();
    expect(first.exitCode, first.stderr).toBe(0);
    await expectExact(schema);
    for (const stream of STREAMS) expect(quirkWarnings(first.stderr, stream).length, stream).toBeLessThanOrEqual(1);
    const next = await expectNextRunReadsOnlyChanges(schema, run);
    // Reading what is new by `created` asks for created[gte]: the server's answer gives it away, once.
    expect(quirkWarnings(next.stderr, 'balance_transactions')).toHaveLength(1);
  });

  it('puts 1,000 objects in one second (--same-second 1000): exact tables, then only the changes', async () => {
    const { schema, run } = await setUp({ sameSecond: 1_000 });
    const first = await run();
    expect(first.exitCode, first.stderr).toBe(0);
    await expectExact(schema);
    await expectNextRunReadsOnlyChanges(schema, run);
  });

  it('orders each second its own way (--shuffle-within-second): exact tables, then only the changes', async () => {
    const { schema, run } = await setUp({ sameSecond: 300, shuffleWithinSecond: true });
    const first = await run();
    expect(first.exitCode, first.stderr).toBe(0);
    await expectExact(schema);
    await expectNextRunReadsOnlyChanges(schema, run);
  });

  it('fails the run with one clear line when the server also ignores starting_after in a crowded second', async () => {
    const { schema, run } = await setUp({ sameSecond: 300, ignoreStartingAfter: true });
    const result = await run();
    expect(result.exitCode).toBe(1);
    // Every stream has such a second here; whichever fails first is the run's error.
    expect(result.stderr).toMatch(/sync: error: .*stream \w+: the read would ask for the same page twice \(GET \/v1\/\w+\?.*stopped rather than read forever/);
    const runs = await query<{ status: string }>('select status from sync.runs where pipeline_id = $1', [schema]);
    expect(runs.map((r) => r.status)).toEqual(['failed']);
  });
});
