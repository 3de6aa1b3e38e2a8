import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '@sync/stripe-emulator';
import { specOf, streamOf, type AirbyteMessage } from '@sync/protocol';
import { createStripeSource, stripeCatalog } from './source.ts';
import { catalogOf, recordsOf, run, stateFile, statesOf } from './test-support.ts';

const KEY = 'sk_test_emulator';
const fast = createStripeSource({ retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2_000, unreachableAttempts: 2 } });
let emulator: StripeEmulator;
let config: { api_key: string; base_url: string; page_size: number };

beforeAll(async () => {
  emulator = await startStripeEmulator({ objects: 600, seed: 'source-stripe', counts: { products: 0 } });
  config = { api_key: KEY, base_url: emulator.url, page_size: 10 };
});
afterAll(() => emulator.close());

const ids = (objects: readonly Record<string, unknown>[]) => objects.map((o) => o.id);
const kinds = (messages: readonly AirbyteMessage[]) =>
  messages.map((m) => (m.type === 'TRACE' ? `${m.trace.stream_status?.status ?? m.trace.type}` : m.type));

describe('source-stripe spec, check and discover', () => {
  it('publishes its config with the API key marked secret', () => {
    const spec = specOf(fast as never).connectionSpecification as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(spec.properties.api_key).toMatchObject({ type: 'string', airbyte_secret: true });
    expect(spec.properties.base_url).toMatchObject({ default: 'https://api.stripe.com' });
    expect(spec.required).toEqual(['api_key']);
  });

  it('checks a good config and fails a wrong key with a clear message', async () => {
    expect((await run(fast, 'check', { config })).messages).toEqual([{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);
    const { messages } = await run(fast, 'check', { config: { ...config, api_key: 'sk_test_wrong' } });
    expect(messages[0]).toMatchObject({ connectionStatus: { status: 'FAILED', message: expect.stringMatching(/Stripe rejected the API key .* check api_key/) } });
  });

  it('discovers one incremental stream per resource, keyed by id, cursor created', async () => {
    const { code, messages } = await run(fast, 'discover', { config });
    expect(code).toBe(0);
    const catalog = (messages[0] as Extract<AirbyteMessage, { type: 'CATALOG' }>).catalog;
    expect(catalog.streams.map((s) => s.name)).toEqual(emulator.resources);
    for (const stream of catalog.streams) {
      expect(stream).toMatchObject({
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['created'],
        source_defined_primary_key: [['id']],
        json_schema: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'integer' } } },
      });
    }
  });
});

describe('source-stripe read', () => {
  it('reads every stream exactly as served, with a STATE after each page', async () => {
    emulator.resetRequests();
    const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf() });
    expect(code).toBe(0);
    for (const stream of emulator.resources) {
      const served = emulator.objects(stream);
      expect(JSON.stringify(recordsOf(messages, stream)), stream).toBe(JSON.stringify(served));
      const own = messages.filter((m) => streamOf(m) === stream);
      const expected = ['STARTED'];
      for (let i = 0; i < Math.max(1, Math.ceil(served.length / 10)); i++) expected.push(...Array(Math.min(10, served.length - i * 10)).fill('RECORD'), 'STATE');
      expect(kinds(own), stream).toEqual([...expected, 'COMPLETE']);
      const states = statesOf(messages, stream);
      expect(states.reduce((sum, s) => sum + (s.sourceStats?.recordCount ?? 0), 0)).toBe(served.length);
      expect(states.at(-1)!.stream!.stream_state).toEqual(served.length === 0 ? {} : { cursor: served[0]!.created, cursor_ids: ids(served.filter((o) => o.created === served[0]!.created)) });
    }
    expect(emulator.requests.every((r) => r.query.limit === '10')).toBe(true);
    expect(emulator.requests.filter((r) => r.path === '/v1/subscriptions').every((r) => r.query.status === 'all')).toBe(true);
  });

  it('resumes from a mid-stream STATE without re-reading completed pages or missing anything', async () => {
    const served = emulator.objects('customers');
    const first = await run(fast, 'read', { config, catalog: catalogOf(['customers']) });
    const checkpoint = statesOf(first.messages, 'customers')[2]!;
    const emittedBefore = recordsOf(first.messages, 'customers').slice(0, 30);
    emulator.resetRequests();
    const resumed = await run(fast, 'read', { config, catalog: catalogOf(['customers']), state: [checkpoint] });
    expect(resumed.code).toBe(0);
    const after = recordsOf(resumed.messages, 'customers');
    expect(ids([...emittedBefore, ...after])).toEqual(ids(served));
    const lte = (checkpoint.stream!.stream_state as { backfill: { created_lte: number } }).backfill.created_lte;
    expect(emulator.requests[0]!.query).toEqual({ limit: '10', 'created[lte]': String(lte) });
    expect(emulator.requests).toHaveLength(Math.ceil((served.length - 30) / 10) + (served.length % 10 === 0 ? 1 : 0));
  });

  it('reads only newer objects once a stream is complete, one request for an unchanged stream', async () => {
    const catalog = catalogOf(['customers', 'invoices', 'products']);
    const first = await run(fast, 'read', { config, catalog });
    const state = stateFile(first.messages);
    const cursor = (state[0] as { stream: { stream_state: { cursor: number } } }).stream.stream_state.cursor;
    const sameSecond = emulator.add('customers', 2, { created: cursor });
    const newer = emulator.add('customers', 3);
    emulator.resetRequests();
    const second = await run(fast, 'read', { config, catalog, state });
    expect(second.code).toBe(0);
    expect(ids(recordsOf(second.messages, 'customers')).sort()).toEqual(ids([...newer, ...sameSecond]).sort());
    expect(recordsOf(second.messages, 'invoices')).toEqual([]);
    expect(emulator.requests.map((r) => [r.path, r.query])).toEqual([
      ['/v1/customers', { limit: '10', 'created[gte]': String(cursor) }],
      ['/v1/invoices', { limit: '10', 'created[gte]': String((state[1] as { stream: { stream_state: { cursor: number } } }).stream.stream_state.cursor) }],
      ['/v1/products', { limit: '10' }],
    ]);
    expect(statesOf(second.messages, 'invoices')).toEqual([{ ...(state[1] as object), sourceStats: { recordCount: 0 } }]);
    expect(statesOf(second.messages, 'products')).toEqual([expect.objectContaining({ stream: { stream_descriptor: { name: 'products' }, stream_state: {} } })]);

    const third = await run(fast, 'read', { config, catalog, state: stateFile(second.messages) });
    expect(recordsOf(third.messages)).toEqual([]);
  });

  it('ignores the state in full_refresh mode', async () => {
    const first = await run(fast, 'read', { config, catalog: catalogOf(['refunds']) });
    const again = await run(fast, 'read', { config, catalog: catalogOf(['refunds'], true), state: stateFile(first.messages) });
    expect(ids(recordsOf(again.messages))).toEqual(ids(emulator.objects('refunds')));
  });

  it('retries rate limits and server errors through to complete data, honouring Retry-After', async () => {
    emulator.resetRequests();
    emulator.inject({ status: 429, count: 1, path: '/v1/refunds', retryAfterSeconds: 1 });
    emulator.inject({ status: 500, count: 1, path: '/v1/refunds' });
    emulator.inject({ status: 503, count: 1, path: '/v1/coupons' });
    emulator.inject({ status: 502, count: 1, path: '/v1/coupons' });
    const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf(['refunds', 'coupons']) });
    expect(code).toBe(0);
    expect(ids(recordsOf(messages, 'refunds'))).toEqual(ids(emulator.objects('refunds')));
    expect(ids(recordsOf(messages, 'coupons'))).toEqual(ids(emulator.objects('coupons')));
    const [limited, retried] = emulator.requests;
    expect([limited!.status, retried!.status]).toEqual([429, 500]);
    expect(retried!.time - limited!.time).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up after a bounded number of attempts with a transient_error', async () => {
    emulator.inject({ status: 500, count: 4, path: '/v1/topups' });
    const { code, messages } = await run(fast, 'read', { config, catalog: catalogOf(['topups']) });
    expect(code).toBe(1);
    expect(kinds(messages)).toEqual(['STARTED', 'INCOMPLETE', 'ERROR']);
    expect(messages.at(-1)).toMatchObject({ trace: { error: { failure_type: 'transient_error', stream_descriptor: { name: 'topups' }, message: expect.stringMatching(/after 4 attempts/) } } });
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

  async function read(configContent: unknown) {
    await writeFile(join(dir, 'config.json'), JSON.stringify(configContent));
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalogOf(['customers'])));
    return new Promise<{ code: number; messages: AirbyteMessage[]; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')], (error, stdout, stderr) => {
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

  it('reports an unreachable base_url as a config_error within seconds', async () => {
    const started = Date.now();
    const { code, messages } = await read({ api_key: KEY, base_url: 'http://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(messages.at(-1)).toMatchObject({ trace: { error: { failure_type: 'config_error', message: expect.stringMatching(/cannot reach Stripe at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\).*base_url/) } } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('source-stripe catalog', () => {
  it('offers the streams the emulator serves', () => {
    expect(stripeCatalog().streams.map((s) => s.name)).toEqual(emulator.resources);
  });
});
