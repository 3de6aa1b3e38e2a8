/**
 * The switches that make the emulator a server that is not quite Stripe: crowded seconds, another
 * order within a second, ignored `created` filters and `starting_after`, responses that stall.
 */
import { describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from './index.ts';

const KEY = 'sk_test_emulator';

interface Page {
  data: Array<{ id: string; created: number; type?: string }>;
  has_more: boolean;
}

async function list(emulator: StripeEmulator, path: string): Promise<Page> {
  const response = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as Page;
}

/** Every object of `path` (which has a query already), paging with starting_after. */
async function pageThrough(emulator: StripeEmulator, path: string): Promise<Page['data']> {
  const all: Page['data'] = [];
  for (let after: string | undefined; ; ) {
    const page = await list(emulator, `${path}&limit=100${after ? `&starting_after=${after}` : ''}`);
    all.push(...page.data);
    if (!page.has_more) return all;
    after = page.data.at(-1)!.id;
  }
}

async function withEmulator(options: Parameters<typeof startStripeEmulator>[0], test: (emulator: StripeEmulator) => Promise<void>): Promise<void> {
  const emulator = await startStripeEmulator(options);
  try {
    await test(emulator);
  } finally {
    await emulator.close();
  }
}

describe('stripe emulator quirks', () => {
  it('puts a crowd of objects in one second (sameSecond) and pages through it with starting_after', () =>
    withEmulator({ objects: 0, counts: { customers: 500, charges: 40 }, seed: 'crowd', sameSecond: 300 }, async (emulator) => {
      const customers = emulator.objects('customers');
      const bySecond = new Map<number, Record<string, unknown>[]>();
      for (const c of customers) bySecond.set(c.created as number, [...(bySecond.get(c.created as number) ?? []), c]);
      const [second, crowd] = [...bySecond].sort((a, b) => b[1].length - a[1].length)[0]!;
      expect(crowd).toHaveLength(300);
      // The crowd sits in the middle: objects on both sides of it.
      expect(customers.filter((c) => (c.created as number) > second).length).toBeGreaterThan(50);
      expect(customers.filter((c) => (c.created as number) < second).length).toBeGreaterThan(50);
      const served = await pageThrough(emulator, `/v1/customers?created[gte]=${second}&created[lte]=${second}`);
      expect(served.map((c) => c.id)).toEqual(crowd.map((c) => c.id));
      // A resource with fewer objects than the crowd has them all in one second.
      expect(new Set(emulator.objects('charges').map((c) => c.created)).size).toBe(1);
    }));

  it('orders objects of one second its own way (shuffleWithinSecond), the same way on every request', () =>
    withEmulator({ objects: 0, counts: { customers: 400 }, seed: 'shuffle', sameSecond: 200, shuffleWithinSecond: true }, async (emulator) => {
      const customers = emulator.objects('customers');
      for (let i = 1; i < customers.length; i++) expect(customers[i - 1]!.created as number).toBeGreaterThanOrEqual(customers[i]!.created as number);
      const second = customers[200]!.created as number;
      const crowd = customers.filter((c) => c.created === second).map((c) => c.id as string);
      expect(crowd).not.toEqual([...crowd].sort().reverse());
      expect((await pageThrough(emulator, '/v1/customers?')).map((c) => c.id)).toEqual(customers.map((c) => c.id));
      expect((await pageThrough(emulator, `/v1/customers?created=${second}`)).map((c) => c.id)).toEqual(crowd);
      // Events keep the order they happened in.
      for (let i = 0; i < 5; i++) emulator.create('customers', { name: `c${i}` });
      const events = (await list(emulator, '/v1/events?type=customer.created&limit=5')).data;
      expect(events.map((e) => e.id)).toEqual(events.map((e) => e.id).sort().reverse());
    }));

  it('ignores created filters when asked (ignoreCreatedFilter), and honours them again after setListQuirks({})', () =>
    withEmulator({ objects: 0, counts: { customers: 300 }, seed: 'ignore-created', ignoreCreatedFilter: true }, async (emulator) => {
      const customers = emulator.objects('customers');
      const old = customers[250]!.created as number;
      const ignored = await list(emulator, `/v1/customers?limit=5&created[lte]=${old}`);
      expect(ignored.data.map((c) => c.id)).toEqual(customers.slice(0, 5).map((c) => c.id));
      emulator.create('customers', { name: 'now' });
      expect((await list(emulator, `/v1/events?limit=5&created[lte]=${old}`)).data).toHaveLength(1);
      emulator.setListQuirks({});
      const honoured = await list(emulator, `/v1/customers?limit=5&created[lte]=${old}`);
      expect(honoured.data.every((c) => c.created <= old)).toBe(true);
    }));

  it('ignores starting_after when asked (ignoreStartingAfter), still refusing an unknown id', () =>
    withEmulator({ objects: 0, counts: { customers: 50 }, seed: 'ignore-after', ignoreStartingAfter: true }, async (emulator) => {
      const first = await list(emulator, '/v1/customers?limit=10');
      const again = await list(emulator, `/v1/customers?limit=10&starting_after=${first.data.at(-1)!.id}`);
      expect(again.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
      const unknown = await fetch(`${emulator.url}/v1/customers?starting_after=cus_missing`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(unknown.status).toBe(400);
    }));

  it('stalls in the middle of a body when a fault says so (stallBodyMs), then sends the rest', () =>
    withEmulator({ objects: 0, counts: { customers: 20 }, seed: 'stall' }, async (emulator) => {
      const whole = JSON.stringify(await list(emulator, '/v1/customers?limit=20'));
      emulator.inject({ stallBodyMs: 200, count: 1, path: '/v1/customers' });
      const response = await fetch(`${emulator.url}/v1/customers?limit=20`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      const { value } = await reader.read();
      const head = decoder.decode(value, { stream: true });
      expect(head.length).toBeLessThan(whole.length);
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value, { stream: true });
      expect(head + rest).toBe(whole);
    }));
});
