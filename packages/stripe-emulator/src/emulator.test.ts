import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from './index.ts';
import { ServerRateLimit } from './rate-limit.ts';

const KEY = 'sk_test_emulator';
let emulator: StripeEmulator;

async function get(path: string, key: string | null = KEY): Promise<{ status: number; headers: Headers; body: ApiBody }> {
  const response = await fetch(`${emulator.url}${path}`, key === null ? {} : { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ApiBody };
}

const ids = (objects: readonly Record<string, unknown>[]) => objects.map((o) => o.id);

/** An object as these tests read it: a Stripe object or an event. */
interface ObjectJson {
  id: string;
  type: string;
  created: number;
  data: { object: { id: string }; previous_attributes?: Record<string, unknown> };
  [key: string]: unknown;
}

/** The emulator's answer as these tests read it: a list, one object, or an error. */
interface ApiBody {
  object: string;
  data: ObjectJson[];
  has_more: boolean;
  url: string;
  created: number;
  error: { type: string; code?: string; message: string; param?: string };
  [key: string]: unknown;
}

/** A list embedded in an object (an invoice's `lines`), as `objects()` returns it. */
interface EmbeddedList {
  data: ObjectJson[];
  has_more: boolean;
  url: string;
}
const embeddedList = (o: Record<string, unknown>, property: string) => o[property] as EmbeddedList;

beforeAll(async () => {
  emulator = await startStripeEmulator({ objects: 2_000, seed: 'test' });
});
afterAll(() => emulator.close());

describe('stripe emulator', () => {
  it('serves every list of the Stripe source catalog, newest first, created desc then id desc, with consistent relations', async () => {
    expect(emulator.resources.length).toBeGreaterThanOrEqual(60);
    expect(emulator.resources).toEqual(expect.arrayContaining(['customers', 'products', 'prices', 'charges', 'invoices', 'subscriptions', 'payment_intents', 'refunds', 'events', 'issuing_cards', 'checkout_sessions', 'country_specs']));
    for (const resource of emulator.resources) {
      const objects = emulator.objects(resource);
      expect(objects.length, resource).toBeGreaterThan(0);
      expect(new Set(ids(objects)).size).toBe(objects.length);
      if (!('created' in objects[0]!)) continue; // country specs, exchange rates, …: Stripe gives them no `created`
      for (let i = 1; i < objects.length; i++) {
        const [a, b] = [objects[i - 1]!, objects[i]!];
        expect((a.created as number) > (b.created as number) || (a.created === b.created && (a.id as string) > (b.id as string))).toBe(true);
      }
    }
    const { body } = await get(`/v1/issuing/cards?limit=100`);
    expect(ids(body.data)).toEqual(ids(emulator.objects('issuing_cards')));
    expect(emulator.pathOf('issuing_cards')).toBe('/v1/issuing/cards');
    const customers = new Map(emulator.objects('customers').map((c) => [c.id, c]));
    const charges = emulator.objects('charges');
    const older = charges.filter((charge) => (customers.get(charge.customer)!.created as number) <= (charge.created as number));
    expect(older.length).toBeGreaterThan(charges.length * 0.95);
    const products = new Set(ids(emulator.objects('products')));
    expect(emulator.objects('prices').every((p) => products.has(p.product))).toBe(true);
  });

  it('pages forward with starting_after and backward with ending_before', async () => {
    const all = emulator.objects('customers');
    const seen: unknown[] = [];
    let after: string | undefined;
    for (;;) {
      const { status, body } = await get(`/v1/customers?limit=100${after ? `&starting_after=${after}` : ''}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ object: 'list', url: '/v1/customers' });
      seen.push(...body.data);
      if (!body.has_more) break;
      after = body.data.at(-1)!.id;
    }
    expect(JSON.stringify(seen)).toBe(JSON.stringify(all));

    const before = await get(`/v1/customers?limit=3&ending_before=${all[10]!.id}`);
    expect(ids(before.body.data)).toEqual(ids(all.slice(7, 10)));
    expect(before.body.has_more).toBe(true);
    const first = await get(`/v1/customers?limit=5&ending_before=${all[3]!.id}`);
    expect(ids(first.body.data)).toEqual(ids(all.slice(0, 3)));
    expect(first.body.has_more).toBe(false);
    expect((await get('/v1/customers')).body.data).toHaveLength(10);
  });

  it('filters on created, exactly and by range, including ties', async () => {
    const all = emulator.objects('charges');
    const middle = all[50]!.created as number;
    const lte = await get(`/v1/charges?limit=100&created[lte]=${middle}`);
    expect(ids(lte.body.data)).toEqual(ids(all.filter((c) => (c.created as number) <= middle).slice(0, 100)));
    const range = all.filter((c) => (c.created as number) > (all[60]!.created as number) && (c.created as number) < (all[40]!.created as number));
    const between = await get(`/v1/charges?limit=100&created[gt]=${all[60]!.created}&created[lt]=${all[40]!.created}`);
    expect(ids(between.body.data)).toEqual(ids(range));
    expect(between.body.has_more).toBe(false);
    const exact = await get(`/v1/charges?created=${middle}`);
    expect(ids(exact.body.data)).toEqual(ids(all.filter((c) => c.created === middle)));
    const ties = emulator.add('refunds', 3, { created: 1_800_000_000 });
    const tied = await get('/v1/refunds?limit=2&created[gte]=1800000000');
    expect(ids(tied.body.data)).toEqual(ids(ties.slice(0, 2)));
    expect(tied.body.has_more).toBe(true);
  });

  it('leaves canceled subscriptions out unless status=all, like Stripe', async () => {
    const all = emulator.objects('subscriptions');
    const active = all.filter((s) => s.status !== 'canceled');
    expect(active.length).toBeLessThan(all.length);
    expect(ids((await get('/v1/subscriptions?limit=100')).body.data)).toEqual(ids(active.slice(0, 100)));
    expect(ids((await get('/v1/subscriptions?limit=100&status=all')).body.data)).toEqual(ids(all.slice(0, 100)));
  });

  it('rejects bad limits, unknown cursors and unknown parameters like Stripe', async () => {
    for (const limit of ['0', '101', 'ten']) {
      const { status, body } = await get(`/v1/customers?limit=${limit}`);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
    }
    const cursor = await get('/v1/customers?starting_after=cus_missing');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ code: 'resource_missing', param: 'starting_after', message: "No such customer: 'cus_missing'" });
    const unknown = await get('/v1/customers?colour=blue');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('Received unknown parameter: colour');
  });

  it('answers 401 for a wrong or missing key and accepts basic auth', async () => {
    const wrong = await get('/v1/customers', 'sk_test_wrong_key_xyz');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_*********_xyz' });
    expect((await get('/v1/customers', null)).status).toBe(401);
    const basic = await fetch(`${emulator.url}/v1/customers?limit=1`, { headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` } });
    expect(basic.status).toBe(200);
  });

  it('retrieves by id and answers 404 for unknown ids and paths', async () => {
    const customer = emulator.objects('customers')[5]!;
    expect(await get(`/v1/customers/${customer.id}`)).toMatchObject({ status: 200, body: customer });
    const missing = await get('/v1/customers/cus_missing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', type: 'invalid_request_error' });
    const path = await get('/v1/nothing_here');
    expect(path.status).toBe(404);
    expect(path.body.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/nothing_here\)/);
  });

  it('serves injected faults, then the real answer, and logs every request', async () => {
    emulator.resetRequests();
    emulator.inject({ status: 429, count: 2, path: '/v1/products', retryAfterSeconds: 3 });
    emulator.inject({ status: 503, count: 1 });
    const limited = await get('/v1/products');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body.error.code).toBe('rate_limit');
    expect((await get('/v1/customers')).status).toBe(503);
    expect((await get('/v1/customers')).status).toBe(200);
    expect((await get('/v1/products?limit=1')).status).toBe(429);
    const ok = await get('/v1/products?limit=1');
    expect(ok.status).toBe(200);
    const failed = await fetch(`${emulator.url}/v1/customers`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(failed.status).toBe(200);
    expect(emulator.requests.map((r) => [r.path, r.status])).toEqual([
      ['/v1/products', 429], ['/v1/customers', 503], ['/v1/customers', 200], ['/v1/products', 429], ['/v1/products', 200], ['/v1/customers', 200],
    ]);
    expect(emulator.requests[3]!.query).toEqual({ limit: '1' });
    const api = await (async () => { emulator.inject({ status: 500, count: 1 }); return get('/v1/charges'); })();
    expect(api.status).toBe(500);
    expect(api.body.error.type).toBe('api_error');
  });

  it('adds latency while running', async () => {
    emulator.delay(150);
    const started = Date.now();
    await get('/v1/coupons?limit=1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    emulator.delay(0);
  });

  it('serves byte-identical data for the same seed, different data for another', async () => {
    const [a, b, c] = await Promise.all([
      startStripeEmulator({ objects: 500, seed: 42 }),
      startStripeEmulator({ objects: 500, seed: 42 }),
      startStripeEmulator({ objects: 500, seed: 43 }),
    ]);
    try {
      for (const resource of a.resources) expect(JSON.stringify(a.objects(resource))).toBe(JSON.stringify(b.objects(resource)));
      const page = (e: StripeEmulator) => fetch(`${e.url}/v1/invoices?limit=100`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.text());
      expect(await page(a)).toBe(await page(b));
      expect(ids(a.objects('customers'))).not.toEqual(ids(c.objects('customers')));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('takes exact counts per resource and keeps memory small for 100,000 objects', async () => {
    const big = await startStripeEmulator({ objects: 100_000, counts: { products: 0 } });
    try {
      expect(big.objects('products')).toEqual([]);
      expect(big.objects('customers').length).toBeGreaterThan(10_000);
      const response = await fetch(`${big.url}/v1/balance_transactions?limit=100`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(((await response.json()) as { data: unknown[] }).data).toHaveLength(100);
    } finally {
      await big.close();
    }
  });
});

describe('stripe emulator: changes while it runs', () => {
  let live: StripeEmulator;
  beforeAll(async () => {
    live = await startStripeEmulator({ objects: 1_000, seed: 'live', apiKey: KEY });
  });
  afterAll(() => live.close());

  const call = async (method: string, path: string, form?: Record<string, string>) => {
    const response = await fetch(`${live.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    return { status: response.status, body: (await response.json()) as ApiBody };
  };

  it('creates, updates and deletes objects, each with its event, newest event first', async () => {
    const created = live.create('customers', { email: 'new@example.com', metadata: { plan: 'pro' } });
    expect(created).toMatchObject({ object: 'customer', email: 'new@example.com', metadata: { plan: 'pro' } });
    expect(live.objects('customers')[0]).toEqual(created);
    const updated = await call('POST', `/v1/customers/${created.id}`, { name: 'Renamed', 'metadata[plan]': '' , balance: '-500' });
    expect(updated.body).toMatchObject({ id: created.id, name: 'Renamed', metadata: {}, balance: -500 });
    expect((await call('GET', `/v1/customers/${created.id}`)).body).toEqual(updated.body);
    const deleted = await call('DELETE', `/v1/customers/${created.id}`);
    expect(deleted.body).toEqual({ id: created.id, object: 'customer', deleted: true });
    expect((await call('GET', `/v1/customers/${created.id}`)).status).toBe(404);
    expect(ids(live.objects('customers'))).not.toContain(created.id);

    const events = (await call('GET', '/v1/events?limit=3')).body.data;
    expect(events.map((e: ObjectJson) => e.type)).toEqual(['customer.deleted', 'customer.updated', 'customer.created']);
    expect(events[1]!.data.previous_attributes).toMatchObject({ name: created.name, metadata: { plan: 'pro' } });
    expect(events[0]!.data.object).toMatchObject({ id: created.id, name: 'Renamed' });
    expect(events.every((e: ObjectJson) => e.data.object.id === created.id)).toBe(true);
  });

  it('filters events by type and types[], pages them oldest first with ending_before', async () => {
    const product = live.create('products', { name: 'Widget' });
    live.update('products', String(product.id), { name: 'Widget 2' });
    live.create('shipping_rates'); // Stripe sends no events for shipping rates
    const all = (await call('GET', '/v1/events?limit=100&type=product.*')).body.data;
    expect(all.map((e: ObjectJson) => e.type)).toEqual(['product.updated', 'product.created']);
    const typed = (await call('GET', '/v1/events?limit=100&types[0]=product.created&types[1]=customer.created')).body.data;
    expect(typed.map((e: ObjectJson) => e.type)).toEqual(['product.created', 'customer.created']);
    const newer = (await call('GET', `/v1/events?limit=1&ending_before=${all[1]!.id}&type=product.*`)).body;
    expect(newer).toMatchObject({ has_more: false, data: [{ id: all[0]!.id }] });
    expect((await call('GET', '/v1/events?limit=100')).body.data.some((e: ObjectJson) => e.type.startsWith('shipping_rate'))).toBe(false);
  });

  it('serves the account', async () => {
    const { status, body } = await call('GET', '/v1/account');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'acct_emulator', object: 'account' });
    expect(body.created).toBeLessThan(Math.min(...live.objects('customers').map((c) => c.created as number)));
  });
});

describe('stripe emulator: limits, failures and unavailable features', () => {
  it('answers 429 with Retry-After above the rate limit, and counts requests', async () => {
    const limited = await startStripeEmulator({ objects: 100, apiKey: KEY, rateLimit: 5 });
    try {
      const statuses = await Promise.all(Array.from({ length: 12 }, () => fetch(`${limited.url}/v1/coupons?limit=1`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => [r.status, r.headers.get('retry-after')])));
      // How many pass depends on how fast they arrive (the bucket's rule is tested on its own clock below).
      expect(statuses.every(([s]) => s === 200 || s === 429)).toBe(true);
      expect(statuses.filter(([s]) => s === 429).every(([, after]) => after === '1')).toBe(true);
      expect(limited.counters).toMatchObject({ requests: 12, rateLimited: statuses.filter(([s]) => s === 429).length });
      const counters = await (await fetch(`${limited.url}/_emulator/counters`)).json();
      expect(counters).toEqual(limited.counters);
      limited.resetCounters();
      expect(limited.counters.requests).toBe(0);
    } finally {
      await limited.close();
    }
  });

  it('lets one second\'s worth of requests through at once, then one per 1/rate seconds', () => {
    let now = 0;
    const bucket = new ServerRateLimit(5, () => now);
    expect(Array.from({ length: 12 }, () => bucket.allow()).filter(Boolean)).toHaveLength(5);
    now += 200;
    expect([bucket.allow(), bucket.allow()]).toEqual([true, false]);
    now += 10_000;
    expect(Array.from({ length: 12 }, () => bucket.allow()).filter(Boolean)).toHaveLength(5);
  });

  it('counts the requests it answers at the same time', async () => {
    const slow = await startStripeEmulator({ objects: 100, apiKey: KEY });
    const coupons = () => fetch(`${slow.url}/v1/coupons?limit=1`, { headers: { authorization: `Bearer ${KEY}` } });
    try {
      await (await coupons()).text();
      expect(slow.counters.maxInFlight).toBe(1);
      // The first request is held until the emulator closes; the second is answered meanwhile.
      let arrived!: () => void;
      const held = new Promise<void>((resolve) => (arrived = resolve));
      slow.inject({ delayMs: 600_000, count: 1, when: () => (arrived(), true) });
      void coupons().catch(() => undefined);
      await held;
      await (await coupons()).text();
      expect(slow.counters.maxInFlight).toBe(2);
      slow.resetCounters();
      expect(slow.counters.maxInFlight).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('fails a share of requests with 500s, and delays only the pages asked for', async () => {
    const flaky = await startStripeEmulator({ objects: 100, apiKey: KEY, failureRate: 0.5 });
    try {
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await fetch(`${flaky.url}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${KEY}` } })).status);
      expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
      expect(flaky.counters.failed).toBe(statuses.filter((s) => s === 500).length);
      flaky.setFailureRate(0);
      flaky.inject({ delayMs: 300, count: 1, path: '/v1/customers', when: ({ query }) => query.starting_after !== undefined });
      const started = Date.now();
      expect((await fetch(`${flaky.url}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
      const first = flaky.objects('customers')[0]!.id;
      await fetch(`${flaky.url}/v1/customers?limit=1&starting_after=${first}`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await flaky.close();
    }
  });

  it('refuses the resources the account cannot use, as Stripe does', async () => {
    emulator.setUnavailable('issuing_cards', 'not_enabled');
    emulator.setUnavailable('treasury_financial_accounts', 'forbidden');
    try {
      const off = await get('/v1/issuing/cards');
      expect(off.status).toBe(400);
      expect(off.body.error.message).toMatch(/not set up to use/);
      expect(off.body.error.param).toBeUndefined();
      expect((await get('/v1/treasury/financial_accounts')).status).toBe(403);
      expect((await get('/v1/customers')).status).toBe(200);
    } finally {
      emulator.setUnavailable('issuing_cards', undefined);
      emulator.setUnavailable('treasury_financial_accounts', undefined);
    }
  });
});

describe('stripe emulator: nested lists', () => {
  it('embeds the first ten items and serves the whole list at its URL', async () => {
    const long = await startStripeEmulator({ objects: 2_000, apiKey: KEY, longNestedLists: 0.5 });
    try {
      const fetchJson = async (path: string) => (await fetch(`${long.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })).json() as Promise<ApiBody>;
      for (const [resource, property] of [['invoices', 'lines'], ['subscriptions', 'items'], ['credit_notes', 'lines']] as const) {
        const served = long.objects(resource);
        const expanded = long.objects(resource, { expanded: true });
        const truncated = served.findIndex((o) => embeddedList(o, property).has_more);
        expect(truncated, resource).toBeGreaterThanOrEqual(0);
        const embedded = embeddedList(served[truncated]!, property);
        const all = embeddedList(expanded[truncated]!, property);
        expect(embedded.data).toHaveLength(10);
        expect(all.data.length).toBeGreaterThan(10);
        expect(all.data.slice(0, 10)).toEqual(embedded.data);
        const page = await fetchJson(`${embedded.url}${embedded.url.includes('?') ? '&' : '?'}limit=100&starting_after=${embedded.data[9]!.id}`);
        expect(page).toMatchObject({ object: 'list', has_more: false });
        expect(page.data).toEqual(all.data.slice(10));
        const short = served.find((o) => !embeddedList(o, property).has_more)!;
        expect(embeddedList(short, property).data.length).toBeLessThanOrEqual(3);
      }
    } finally {
      await long.close();
    }
  });

  it('keeps nested lists complete by default', () => {
    for (const invoice of emulator.objects('invoices')) expect(embeddedList(invoice, 'lines').has_more).toBe(false);
  });
});
