import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random, startStripeEmulator, type StripeEmulator } from '@sync/stripe-emulator';
import { streamOf, type AirbyteMessage } from '@sync/protocol';
import { specOf } from '@sync/connector-kit';
import { createStripeSource, stripeCatalog } from './source.ts';
import type { StripeStreamState } from './state.ts';
import { catalogOf, recordsOf, run, stateClaims, stateFile, statesOf } from './test-support.ts';
import { signPayload } from './webhooks.ts';

const KEY = 'sk_test_emulator';
const retry = { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 2_000, unreachableAttempts: 2 };
const fast = createStripeSource({ retry, requestsPerSecond: 2_000 });
let emulator: StripeEmulator;
let config: { api_key: string; base_url: string; page_size: number; max_concurrency: number };

beforeAll(async () => {
  emulator = await startStripeEmulator({ objects: 1_500, seed: 'source-stripe', counts: { products: 0, customers: 400 } });
  config = { api_key: KEY, base_url: emulator.url, page_size: 10, max_concurrency: 6 };
});
afterAll(() => emulator.close());

const ids = (objects: readonly Record<string, unknown>[]) => objects.map((o) => o.id as string);
const byId = (objects: readonly Record<string, unknown>[]) => [...objects].sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1));
const kinds = (messages: readonly AirbyteMessage[]) =>
  messages.map((m) => (m.type === 'TRACE' ? `${m.trace.stream_status?.status ?? m.trace.type}` : m.type));
const streamState = (state: { stream?: { stream_state?: unknown } }) => state.stream!.stream_state as StripeStreamState;

describe('source-stripe spec, check and discover', () => {
  it('publishes its config with the secrets marked', () => {
    const spec = specOf(fast as never).connectionSpecification as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(spec.properties.api_key).toMatchObject({ type: 'string', airbyte_secret: true });
    expect(spec.properties.webhook_secret).toMatchObject({ type: 'string', airbyte_secret: true });
    expect(spec.properties.base_url).toMatchObject({ default: 'https://api.stripe.com' });
    expect(spec.properties).toHaveProperty('api_version');
    expect(spec.properties).toHaveProperty('requests_per_second');
    expect(spec.properties.request_timeout_ms).toMatchObject({ type: 'integer', default: 60_000, description: expect.stringMatching(/retried like a connection reset/) });
    expect(spec.required).toEqual(['api_key']);
  });

  it('checks a good config and fails a wrong key with a clear message', async () => {
    expect((await run(fast, 'check', { config })).messages).toEqual([{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);
    const { messages } = await run(fast, 'check', { config: { ...config, api_key: 'sk_test_wrong' } });
    expect(messages[0]).toMatchObject({ connectionStatus: { status: 'FAILED', message: expect.stringMatching(/Stripe rejected the API key .* check api_key/) } });
  });

  it('discovers the streams the emulator serves, every one keyed by id', async () => {
    const { code, messages } = await run(fast, 'discover', { config });
    expect(code).toBe(0);
    const catalog = (messages[0] as Extract<AirbyteMessage, { type: 'CATALOG' }>).catalog;
    expect(catalog.streams.map((s) => s.name)).toEqual(emulator.resources);
    expect(catalog.streams.length).toBeGreaterThanOrEqual(50);
    expect(stripeCatalog().streams.map((s) => s.name)).toEqual(emulator.resources);
  });
});

describe('source-stripe read: backfill', () => {
  it('reads every stream exactly as served, with a STATE after each page, sending Stripe-Version', async () => {
    emulator.resetRequests();
    const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf() });
    expect(code).toBe(0);
    expect(emulator.resources.length).toBeGreaterThanOrEqual(50);
    for (const stream of emulator.resources) {
      const served = emulator.objects(stream);
      const records = recordsOf(messages, stream);
      expect(JSON.stringify(byId(records)), stream).toBe(JSON.stringify(byId(served)));
      expect(records.length, stream).toBe(served.length);
      const own = kinds(messages.filter((m) => streamOf(m) === stream));
      expect(own[0]).toBe('STARTED');
      expect(own.at(-1)).toBe('COMPLETE');
      expect(own.at(-2)).toBe('STATE');
      const states = statesOf(messages, stream);
      expect(states.reduce((sum, s) => sum + (s.sourceStats?.recordCount ?? 0), 0), stream).toBe(served.length);
      if (served.length > 10) expect(states.length, stream).toBeGreaterThan(1);
    }
    expect(emulator.requests.every((r) => r.stripeVersion === '2024-04-10')).toBe(true);
    expect(emulator.requests.filter((r) => r.path === '/v1/subscriptions').every((r) => r.query.status === 'all')).toBe(true);
    const customers = streamState(statesOf(messages, 'customers').at(-1)!);
    const served = emulator.objects('customers');
    // The newest second was long over when it was read: the cursor moves past it.
    expect(customers).toMatchObject({ cursor: (served[0]!.created as number) + 1, cursor_ids: [], events: { checked: expect.any(Number) } });
    expect(customers.pass).toBeUndefined();
  });

  it('sends the configured api_version', async () => {
    emulator.resetRequests();
    await run(fast, 'read', { config: { ...config, api_version: '2023-10-16' }, catalog: catalogOf(['coupons']) });
    expect(emulator.requests.map((r) => r.stripeVersion)).toEqual(emulator.requests.map(() => '2023-10-16'));
  });

  it('reads created ranges in parallel and checkpoints only what it emitted, pages arriving out of order', async () => {
    const served = emulator.objects('customers');
    const random = new Random(7);
    // Some pages of every range are slow, so later pages of other ranges overtake them.
    emulator.inject({ delayMs: 150, count: 30, path: '/v1/customers', when: () => random.next() < 0.3 });
    emulator.delay(10);
    emulator.resetRequests();
    emulator.resetCounters();
    const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf(['customers']) });
    emulator.delay(0);
    expect(code).toBe(0);
    const emitted = new Set<string>();
    let maxRanges = 0;
    for (const message of messages) {
      if (message.type === 'RECORD') emitted.add(message.record.data.id as string);
      if (message.type !== 'STATE') continue;
      const state = streamState(message.state);
      maxRanges = Math.max(maxRanges, state.pass?.todo?.length ?? 0);
      for (const object of served) if (stateClaims(state, object)) expect(emitted.has(object.id as string), `a STATE claims ${object.id as string} before its record`).toBe(true);
    }
    expect(maxRanges).toBeGreaterThan(2);
    expect(emitted.size).toBe(served.length);
    expect(recordsOf(messages).length).toBe(served.length);
    const pages = emulator.requests.filter((r) => r.path === '/v1/customers');
    expect(new Set(pages.map((r) => r.query['created[lte]'])).size).toBeGreaterThan(3);
    // Parallel: the emulator answered several requests at once.
    expect(emulator.counters.maxInFlight).toBeGreaterThan(2);
  });

  it("asks for a backfill's first page before the account, then for the rest in as many ranges as the rate can keep busy, at once", async () => {
    const served = emulator.objects('customers');
    // Paced, so the emulator logs the requests in the order they were sent.
    const paced = createStripeSource({ retry, requestsPerSecond: 25 });
    emulator.delay(100);
    emulator.resetRequests();
    const { code, messages } = await run(paced, 'read', { config: { ...config, page_size: 50 }, catalog: catalogOf(['customers']) });
    emulator.delay(0);
    expect(code).toBe(0);
    expect(ids(recordsOf(messages, 'customers')).sort()).toEqual(ids(served).sort());
    const [first, account, ...rest] = emulator.requests;
    expect(first).toMatchObject({ path: '/v1/customers', query: { limit: '50' } });
    expect(Object.keys(first!.query)).toEqual(['limit']);
    expect(account!.path).toBe('/v1/account');
    // At 25 requests/s and 100 ms a round trip, four or five in flight: the first range goes on, three or four new ones start.
    const next = rest.slice(0, 4);
    expect(next[0]!.query.starting_after).toBeDefined();
    expect(new Set(next.slice(1).map((r) => r.query.starting_after ?? r.query['created[lte]'])).size).toBe(3);
    expect(next.slice(1).every((r) => r.query.starting_after === undefined)).toBe(true);
    // 400 customers: 8 full pages, and at most one part-empty page per range.
    const pages = emulator.requests.filter((r) => r.path === '/v1/customers');
    expect(pages.length).toBeLessThanOrEqual(8 + pages.filter((r) => r.query.starting_after === undefined).length);
  });

  it('resumes from a STATE taken in the middle of a parallel backfill: no gaps, no duplicates', async () => {
    const served = emulator.objects('customers');
    const first = await run(fast, 'read', { config, catalog: catalogOf(['customers']) });
    const states = statesOf(first.messages, 'customers');
    const middle = states.find((s, i) => i > states.length / 3 && (streamState(s).pass?.todo?.length ?? 0) >= 2)!;
    expect(middle).toBeDefined();
    const before: string[] = [];
    for (const message of first.messages) {
      if (message === first.messages.find((m) => m.type === 'STATE' && m.state === middle)) break;
      if (message.type === 'RECORD') before.push(message.record.data.id as string);
    }
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(served.length);
    const resumed = await run(fast, 'read', { config, catalog: catalogOf(['customers']), state: [middle] });
    expect(resumed.code).toBe(0);
    const after = ids(recordsOf(resumed.messages, 'customers'));
    // The high water came with the state, read in an earlier run at a time unknown: its second stays the cursor.
    const all = [...before, ...after];
    expect(new Set(all).size, 'duplicates').toBe(all.length);
    expect(all.sort()).toEqual(ids(served).sort());
    expect(streamState(statesOf(resumed.messages, 'customers').at(-1)!)).toMatchObject({ cursor: served[0]!.created });
  });

  it('completes nested lists past their first page', async () => {
    const long = await startStripeEmulator({ objects: 600, seed: 'nested', longNestedLists: 0.4 });
    try {
      const { code, messages } = await run(fast, 'read', { config: { ...config, base_url: long.url, page_size: 100 }, catalog: catalogOf(['invoices', 'subscriptions', 'credit_notes']) });
      expect(code).toBe(0);
      for (const stream of ['invoices', 'subscriptions', 'credit_notes']) {
        const served = long.objects(stream);
        expect(served.some((o) => Object.values(o).some((v) => (v as { has_more?: boolean })?.has_more === true)), stream).toBe(true);
        expect(byId(recordsOf(messages, stream)), stream).toEqual(byId(long.objects(stream, { expanded: true })));
      }
    } finally {
      await long.close();
    }
  });
});

describe('source-stripe read: incremental', () => {
  it('reads changes from events after a backfill: creates, updates and deletes, newest last', async () => {
    const catalog = catalogOf(['customers', 'products', 'shipping_rates', 'balance_transactions']);
    const first = await run(fast, 'read', { config, catalog });
    const state = stateFile(first.messages);
    const customer = emulator.objects('customers')[5]!;
    const gone = emulator.objects('customers')[9]!;
    const created = emulator.create('customers', { email: 'new@example.com' });
    emulator.update('customers', customer.id as string, { name: 'First change' });
    const latest = emulator.update('customers', customer.id as string, { name: 'Second change' })!;
    emulator.remove('customers', gone.id as string);
    const product = emulator.create('products', { name: 'Gadget' });
    const rate = emulator.create('shipping_rates'); // no events for shipping rates: found by `created`
    emulator.resetRequests();
    const second = await run(fast, 'read', { config, catalog, state });
    expect(second.code).toBe(0);
    const changes = recordsOf(second.messages, 'customers');
    expect(changes.map((c) => [c.id, c.name ?? null, c._deleted ?? false])).toEqual([
      [created.id, created.name ?? null, false],
      [customer.id, 'First change', false],
      [customer.id, 'Second change', false],
      [gone.id, gone.name ?? null, true],
    ]);
    expect(changes[2]).toEqual(latest);
    expect(recordsOf(second.messages, 'products')).toEqual([product]);
    expect(recordsOf(second.messages, 'shipping_rates')).toEqual([rate]);
    expect(recordsOf(second.messages, 'balance_transactions')).toEqual([]);
    // One request per stream: the events of each events stream, the new objects of the others.
    expect(emulator.requests.map((r) => r.path).sort()).toEqual(['/v1/balance_transactions', '/v1/events', '/v1/events', '/v1/shipping_rates']);
    // The event cursor moved; the backfill's cursor stayed.
    const before = streamState(state.find((s) => s.stream?.stream_descriptor.name === 'customers')!);
    const after = streamState(statesOf(second.messages, 'customers').at(-1)!);
    expect(after.cursor).toBe(before.cursor);
    expect(after.events!.id).toMatch(/^evt_/);

    const third = await run(fast, 'read', { config, catalog, state: stateFile(second.messages) });
    expect(recordsOf(third.messages)).toEqual([]);
  });

  it('replays changes made during the backfill once it ends', async () => {
    const customers = emulator.objects('customers');
    const target = customers[customers.length - 1]!; // read by the last range
    let changed = false;
    emulator.inject({
      delayMs: 1, count: 1, path: '/v1/customers',
      when: ({ query }) => {
        if (!changed && query.starting_after !== undefined) {
          changed = true;
          emulator.update('customers', target.id as string, { name: 'Changed mid-backfill' });
        }
        return false;
      },
    });
    const { messages } = await run(fast, 'read', { config, catalog: catalogOf(['customers']) });
    expect(changed).toBe(true);
    const versions = recordsOf(messages, 'customers').filter((c) => c.id === target.id);
    expect(versions.at(-1)).toMatchObject({ name: 'Changed mid-backfill' });
  });

  it('backfills a stream again, with a warning, when its event cursor is past the 30-day retention', async () => {
    const first = await run(fast, 'read', { config, catalog: catalogOf(['coupons']) });
    const [state] = stateFile(first.messages) as Array<{ stream: { stream_state: StripeStreamState } }>;
    const stale = structuredClone(state)!;
    const longAgo = Math.floor(Date.now() / 1000) - 31 * 86_400;
    stale.stream.stream_state.events = { created: longAgo, id: stale.stream.stream_state.events!.id ?? 'evt_old', checked: longAgo };
    const again = await run(fast, 'read', { config, catalog: catalogOf(['coupons']), state: [stale] });
    expect(again.messages.find((m) => m.type === 'LOG')).toMatchObject({ log: { level: 'WARN', message: expect.stringMatching(/coupons.*30 days.*reading the whole stream again/) } });
    expect(ids(recordsOf(again.messages, 'coupons')).sort()).toEqual(ids(emulator.objects('coupons')).sort());
    expect(streamState(statesOf(again.messages, 'coupons').at(-1)!).events!.checked).toBeGreaterThan(longAgo);
  });

  it('ignores the state in full_refresh mode', async () => {
    const first = await run(fast, 'read', { config, catalog: catalogOf(['refunds']) });
    const again = await run(fast, 'read', { config, catalog: catalogOf(['refunds'], true), state: stateFile(first.messages) });
    expect(ids(recordsOf(again.messages)).sort()).toEqual(ids(emulator.objects('refunds')).sort());
  });

  it('leaves, after a full refresh, a state from which an incremental read takes only the changes', async () => {
    const catalog = catalogOf(['customers', 'shipping_rates']);
    const full = await run(fast, 'read', { config, catalog: catalogOf(['customers', 'shipping_rates'], true) });
    expect(ids(recordsOf(full.messages, 'customers')).sort()).toEqual(ids(emulator.objects('customers')).sort());
    const created = emulator.create('customers', { email: 'after-refresh@example.com' });
    const rate = emulator.create('shipping_rates');
    emulator.resetRequests();
    const next = await run(fast, 'read', { config, catalog, state: stateFile(full.messages) });
    // Customers by their events since the refresh began (less a safety margin that may replay the
    // changes of earlier tests), never by listing them all again.
    expect(recordsOf(next.messages, 'customers').at(-1)).toEqual(created);
    expect(recordsOf(next.messages, 'customers').length).toBeLessThan(emulator.objects('customers').length / 10);
    expect(recordsOf(next.messages, 'shipping_rates')).toEqual([rate]);
    expect(emulator.requests.map((r) => r.path).sort()).toEqual(['/v1/events', '/v1/shipping_rates']);
  });
});

describe('source-stripe read: failures', () => {
  it('skips a stream the account cannot use, with a LOG saying why, and completes the others', async () => {
    emulator.setUnavailable('issuing_cards', 'not_enabled');
    emulator.setUnavailable('treasury_financial_accounts', 'forbidden');
    try {
      const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf(['coupons', 'issuing_cards', 'treasury_financial_accounts']) });
      expect(code).toBe(0);
      for (const stream of ['issuing_cards', 'treasury_financial_accounts']) {
        expect(kinds(messages.filter((m) => streamOf(m) === stream))).toEqual(['STARTED', 'STATE', 'INCOMPLETE']);
        expect(messages.some((m) => m.type === 'LOG' && m.log.level === 'WARN' && m.log.message.startsWith(`stream ${stream} is unavailable`))).toBe(true);
      }
      expect(kinds(messages.filter((m) => streamOf(m) === 'coupons')).at(-1)).toBe('COMPLETE');
      expect(messages.some((m) => m.type === 'TRACE' && m.trace.type === 'ERROR')).toBe(false);
    } finally {
      emulator.setUnavailable('issuing_cards', undefined);
      emulator.setUnavailable('treasury_financial_accounts', undefined);
    }
  });

  it('rides out storms of 429s and 500s to complete data', async () => {
    const stormy = await startStripeEmulator({ objects: 3_000, seed: 'storm', failureRate: 0.25, rateLimit: 40 });
    // A storm of 429s whatever the machine's speed (the rate limit alone trips only when requests are fast).
    stormy.inject({ status: 429, count: 10, retryAfterSeconds: 1 });
    try {
      const source = createStripeSource({ retry: { ...retry, maxAttempts: 12, maxDelayMs: 200 }, requestsPerSecond: 200 });
      const streams = ['customers', 'charges', 'invoices', 'balance_transactions', 'payment_intents'];
      const { code, messages } = await run(source, 'read', { config: { ...config, base_url: stormy.url, page_size: 50, max_concurrency: 8 }, catalog: catalogOf(streams) });
      expect(code).toBe(0);
      for (const stream of streams) expect(ids(recordsOf(messages, stream)).sort(), stream).toEqual(ids(stormy.objects(stream)).sort());
      expect(stormy.counters.byStatus['429']).toBeGreaterThanOrEqual(10);
      expect(stormy.counters.byStatus['500']).toBeGreaterThan(0);
    } finally {
      await stormy.close();
    }
  });

  it('gives up after a bounded number of attempts with a transient_error', async () => {
    emulator.inject({ status: 500, count: retry.maxAttempts, path: '/v1/topups' });
    const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf(['topups']) });
    expect(code).toBe(1);
    expect(kinds(messages)).toEqual(['STARTED', 'INCOMPLETE', 'ERROR']);
    expect(messages.at(-1)).toMatchObject({ trace: { error: { failure_type: 'transient_error', stream_descriptor: { name: 'topups' }, message: expect.stringMatching(/after 6 attempts/) } } });
  });

  it('refuses a state it did not write and a stream it does not have, as config errors', async () => {
    const badState = await run(fast, 'read', { config, catalog: catalogOf(['customers']), state: [{ type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { cursor: 'yesterday' } } }] });
    expect(badState.messages.at(-1)).toMatchObject({ trace: { error: { failure_type: 'config_error', message: expect.stringMatching(/saved state of stream customers/) } } });
    const badStream = await run(fast, 'read', { config, catalog: catalogOf(['customerz']) });
    expect(badStream.messages.at(-1)).toMatchObject({ trace: { error: { failure_type: 'config_error', message: expect.stringMatching(/customerz/) } } });
  });
});

describe('source-stripe executable', () => {
  const bin = fileURLToPath(new URL('../bin/source-stripe.js', import.meta.url));
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'source-stripe-bin-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function read(configContent: unknown, extra: string[] = [], streams = ['customers']) {
    await writeFile(join(dir, 'config.json'), JSON.stringify(configContent));
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalogOf(streams)));
    return new Promise<{ code: number; messages: AirbyteMessage[]; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json'), ...extra], (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stderr, messages: stdout.trim().split('\n').map((l) => JSON.parse(l) as AirbyteMessage) });
      });
    });
  }

  it('reports a wrong API key as a config_error and exits 1', async () => {
    const { code, messages, stderr } = await read({ ...config, api_key: 'sk_test_not_the_key' });
    expect(code).toBe(1);
    expect(messages.at(-1)).toMatchObject({ type: 'TRACE', trace: { type: 'ERROR', error: { failure_type: 'config_error', message: expect.stringMatching(/Stripe rejected the API key.*STRIPE_API_KEY/) } } });
    expect(stderr).toMatch(/^source-stripe: config_error: Stripe rejected the API key/);
  });

  it('reports an unreachable base_url as a config_error', async () => {
    const { code, messages } = await read({ api_key: KEY, base_url: 'http://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(messages.at(-1)).toMatchObject({ trace: { error: { failure_type: 'config_error', message: expect.stringMatching(/cannot reach Stripe at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\).*base_url/) } } });
  });

  it('reads webhook deliveries from a file with --webhooks', async () => {
    const secret = 'whsec_bin';
    const payload = JSON.stringify({ id: 'evt_9', object: 'event', type: 'customer.updated', created: 1, data: { object: { id: 'cus_9', object: 'customer' } } });
    const file = join(dir, 'webhooks.ndjson');
    await writeFile(file, `${JSON.stringify({ payload, signature: signPayload(payload, secret, Math.floor(Date.now() / 1000)) })}\n`);
    const { code, messages } = await read({ ...config, webhook_secret: secret }, ['--webhooks', file]);
    expect(code).toBe(0);
    expect(recordsOf(messages)).toEqual([{ id: 'cus_9', object: 'customer' }]);
  });
});
