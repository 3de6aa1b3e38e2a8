/**
 * The source against servers that are not quite Stripe (the emulator's quirks): crowded seconds,
 * another order within a second, an ignored `created` filter. Every read ends, with every object
 * exactly once, and leaves a state from which the next incremental read takes only what is new; a
 * server that cannot be read exactly (it ignores `starting_after` too) fails the read clearly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '@sync/stripe-emulator';
import type { AirbyteMessage } from '@sync/protocol';
import { createStripeSource } from './source.ts';
import type { StripeStreamState } from './state.ts';
import { catalogOf, recordsOf, run, stateFile, statesOf } from './test-support.ts';

const KEY = 'sk_test_emulator';
const source = createStripeSource({ retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 100, unreachableAttempts: 2 }, requestsPerSecond: 2_000 });
/** An events stream and two `created` streams (one with a crowd larger than many pages). */
const STREAMS = ['customers', 'balance_transactions', 'shipping_rates'];
const COUNTS = { customers: 1_500, balance_transactions: 800, shipping_rates: 60 };

let emulator: StripeEmulator | undefined;
afterEach(() => emulator?.close());

async function start(options: StripeEmulatorOptions): Promise<{ api_key: string; base_url: string; page_size: number; max_concurrency: number }> {
  emulator = await startStripeEmulator({ objects: 0, counts: COUNTS, seed: 'quirks', ...options });
  return { api_key: KEY, base_url: emulator.url, page_size: 20, max_concurrency: 6 };
}

const ids = (objects: readonly Record<string, unknown>[]) => objects.map((o) => String(o.id));
const warnings = (messages: readonly AirbyteMessage[]) => messages.flatMap((m) => (m.type === 'LOG' && m.log.level === 'WARN' ? [m.log.message] : []));

/** Every stream's records are the emulator's objects: each id once, none missing. */
function expectExact(messages: readonly AirbyteMessage[], streams: readonly string[] = STREAMS): void {
  for (const stream of streams) {
    const read = ids(recordsOf(messages, stream));
    expect(read.length - new Set(read).size, `${stream}: duplicates`).toBe(0);
    expect(read.sort(), stream).toEqual(ids(emulator!.objects(stream)).sort());
  }
}

/** After a complete read: new objects (an events stream by its events, `created` streams by listing) and only those. */
async function expectIncrementalTakesOnlyNew(first: readonly AirbyteMessage[], config: Record<string, unknown>): Promise<void> {
  const created = emulator!.create('customers', { email: 'next@example.com' });
  const transactions = emulator!.add('balance_transactions', 3);
  const rate = emulator!.create('shipping_rates');
  const next = await run(source, 'read', { config, catalog: catalogOf(STREAMS), state: stateFile(first) });
  expect(next.code).toBe(0);
  expect(ids(recordsOf(next.messages, 'customers'))).toEqual([created.id]);
  expect(ids(recordsOf(next.messages, 'balance_transactions')).sort()).toEqual(ids(transactions).sort());
  expect(ids(recordsOf(next.messages, 'shipping_rates'))).toEqual([rate.id]);
}

describe('source-stripe against servers that are not quite Stripe', () => {
  it('reads a server that ignores the created filter exactly, with one warning per stream, and the next run takes only what is new', async () => {
    const config = await start({ ignoreCreatedFilter: true });
    const first = await run(source, 'read', { config, catalog: catalogOf(STREAMS) });
    expect(first.code).toBe(0);
    expectExact(first.messages);
    const said = warnings(first.messages);
    expect(said.filter((w) => w.startsWith('stream customers: the server ignores the created filter of /v1/customers'))).toHaveLength(1);
    for (const stream of STREAMS) expect(said.filter((w) => w.startsWith(`stream ${stream}:`)).length, stream).toBeLessThanOrEqual(1);
    await expectIncrementalTakesOnlyNew(first.messages, config);
  });

  it('reads thousands of objects sharing one second exactly, and resumes in the middle of them without duplicates', async () => {
    const config = await start({ sameSecond: 1_200 });
    const served = emulator!.objects('customers');
    const crowd = served[700]!.created;
    expect(served.filter((c) => c.created === crowd).length).toBeGreaterThanOrEqual(1_200);
    const first = await run(source, 'read', { config, catalog: catalogOf(STREAMS) });
    expect(first.code).toBe(0);
    expectExact(first.messages);

    // Resume from a STATE taken inside the crowd: more emitted there than the state's 100 ids.
    const states = statesOf(first.messages, 'customers');
    const inside = states.find((s) => {
      const todo = (s.stream!.stream_state as StripeStreamState).pass?.todo ?? [];
      return todo.some((r) => r.lte === crowd && r.after !== undefined && (r.lte_ids?.length ?? 0) === 100);
    });
    expect(inside).toBeDefined();
    const before: string[] = [];
    for (const message of first.messages) {
      if (message.type === 'STATE' && message.state === inside) break;
      if (message.type === 'RECORD' && message.record.stream === 'customers') before.push(String(message.record.data.id));
    }
    const resumed = await run(source, 'read', { config, catalog: catalogOf(['customers']), state: [inside!] });
    expect(resumed.code).toBe(0);
    const all = [...before, ...ids(recordsOf(resumed.messages, 'customers'))];
    expect(all.length - new Set(all).size, 'duplicates').toBe(0);
    expect(all.sort()).toEqual(ids(served).sort());
    await expectIncrementalTakesOnlyNew(first.messages, config);
  });

  it('reads a server that orders each second its own way exactly', async () => {
    const config = await start({ sameSecond: 400, shuffleWithinSecond: true });
    const first = await run(source, 'read', { config, catalog: catalogOf(STREAMS) });
    expect(first.code).toBe(0);
    expectExact(first.messages);
    await expectIncrementalTakesOnlyNew(first.messages, config);
  });

  it('fails clearly, instead of reading forever, a server that ignores starting_after in a crowded second', async () => {
    const config = await start({ sameSecond: 200, ignoreStartingAfter: true });
    const { code, messages } = await run(source, 'read', { config, catalog: catalogOf(['customers']) });
    expect(code).toBe(1);
    expect(messages.at(-1)).toMatchObject({
      type: 'TRACE',
      trace: { error: { failure_type: 'system_error', stream_descriptor: { name: 'customers' }, message: expect.stringMatching(/^stream customers: the read would ask for the same page twice .*Check base_url/) } },
    });
    expect(messages.some((m) => m.type === 'TRACE' && m.trace.stream_status?.status === 'INCOMPLETE')).toBe(true);
  });
});
