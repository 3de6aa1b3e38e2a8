/**
 * The Stripe source's parallel backfill through the whole system: every stream of the catalog
 * (more than 50) lands in Postgres with exact counts, and a run killed in the middle of a parallel
 * backfill resumes from the acknowledged STATE with no gaps and no duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import type { StripeStreamState } from '@sync/source-stripe';
import { stateClaims } from '../packages/source-stripe/src/test-support.ts';
import { runCli, startCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { descendantsMatching } from './support/processes.ts';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

/** Small pages and a high request rate: many pages per stream, read in parallel ranges, quickly. */
const SOURCE_CONFIG = JSON.stringify({ page_size: 20, requests_per_second: 400, max_concurrency: 8 });

/** Records read per stream by the pipeline's last run. */
async function runRecordsRead(schema: string): Promise<Record<string, number>> {
  const [run] = await query<{ streams: Record<string, { records_read: number }> }>('select streams from sync.runs where pipeline_id = $1 order by started_at desc limit 1', [schema]);
  return Object.fromEntries(Object.entries(run!.streams).map(([stream, counts]) => [stream, counts.records_read]));
}

describe('Stripe backfill, all streams', () => {
  let emulator: StripeEmulator;
  const schema = freshSchema('sb');

  beforeAll(async () => {
    emulator = await startEmulator({ objects: 6_000, seed: 'stripe-backfill', latencyMs: 5 });
  });
  afterAll(() => emulator?.close());

  it('copies every object of at least 50 streams exactly, reading them in parallel', async () => {
    expect(emulator.resources.length).toBeGreaterThanOrEqual(50);
    const result = await runCli(runArgs(schema, '--source-config', SOURCE_CONFIG), stripeEnv(emulator));
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    let total = 0;
    for (const resource of emulator.resources) {
      const served = servedRows(emulator, resource);
      expect(served.length, resource).toBeGreaterThan(0);
      expect(await tableRows(schema, resource), resource).toEqual(served);
      total += served.length;
    }
    expect(total).toBe(6_000);
    // Parallel: the emulator answered several requests at once. (How a stream splits into ranges
    // depends on latency, so on load: packages/source-stripe tests it against its own clock.)
    expect(emulator.counters.maxInFlight).toBeGreaterThan(1);
    expect(await runRecordsRead(schema)).toEqual(Object.fromEntries(emulator.resources.map((r) => [r, emulator.objects(r).length])));
    const states = await query<{ stream: string; state: StripeStreamState }>("select stream, state->'stream'->'stream_state' as state from sync.stream_states where pipeline_id = $1", [schema]);
    expect(states.length).toBe(emulator.resources.length);
    expect(states.find((s) => s.stream === 'customers')!.state).toMatchObject({ cursor: expect.any(Number), events: { checked: expect.any(Number) } });
  });
});

describe('Stripe backfill, resumed', () => {
  let emulator: StripeEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ objects: 0, counts: { customers: 4_000 }, seed: 'stripe-resume' });
  });
  afterAll(() => emulator?.close());

  it('resumes from a STATE acknowledged in the middle of a parallel backfill: no gaps, no duplicates', async () => {
    const schema = freshSchema('sr');
    const args = runArgs(schema, '--streams', 'customers', '--source-config', SOURCE_CONFIG);
    // Slow pages, some much slower than others, so ranges complete out of order.
    emulator.delay(20);
    let slow = 0;
    emulator.inject({ delayMs: 300, count: 1_000, path: '/v1/customers', when: () => ++slow % 4 === 0 });
    const first = startCli(args, stripeEnv(emulator));
    // Kill the destination once the acknowledged state has several ranges left: mid-way through a
    // parallel backfill. (Polling the state store: progress lines on stderr are throttled.)
    let killed = false;
    const poll = setInterval(async () => {
      const [row] = await query<{ state: StripeStreamState }>("select state->'stream'->'stream_state' as state from sync.stream_states where pipeline_id = $1 and stream = 'customers'", [schema]);
      if (killed || (row?.state.pass?.todo?.length ?? 0) < 2) return;
      const pids = descendantsMatching(first.pid!, 'destination-postgres');
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      killed = pids.length > 0;
    }, 50);
    const crashed = await first.finally(() => clearInterval(poll));
    expect(killed).toBe(true);
    expect(crashed.exitCode).toBe(1);
    emulator.delay(0);
    emulator.clearFaults();

    // The state acknowledged last (it may have moved on between the poll and the kill): mid-pass.
    const [row] = await query<{ state: StripeStreamState }>("select state->'stream'->'stream_state' as state from sync.stream_states where pipeline_id = $1 and stream = 'customers'", [schema]);
    const acknowledged = row!.state;
    expect(acknowledged.pass).toBeDefined();
    const served = emulator.objects('customers');
    const done = served.filter((o) => stateClaims(acknowledged, o));
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(served.length);
    // Everything the state claims is in the table already.
    const committed = new Set((await tableRows(schema, 'customers')).map((r) => r.id));
    for (const object of done) expect(committed.has(object.id as string)).toBe(true);

    const second = await runCli(args, stripeEnv(emulator));
    expect(second.exitCode).toBe(0);
    expect(await tableRows(schema, 'customers')).toEqual(servedRows(emulator, 'customers'));
    // No duplicates: the second run read exactly what the acknowledged state left to read.
    const [run] = await query<{ streams: Record<string, { records_read: number }> }>(
      "select streams from sync.runs where pipeline_id = $1 and status = 'succeeded'", [schema]);
    expect(run!.streams.customers!.records_read).toBe(served.length - done.length);
  });
});
