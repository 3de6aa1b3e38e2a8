/**
 * Incremental by events through the whole system: after a backfill, objects created, updated and
 * deleted in Stripe (here through the emulator's API, as a Stripe client would) reach Postgres on
 * the next run: new rows, the newest version of changed rows, and deletes: the source marks them
 * `_deleted: true`, the destination flags the row (`_deleted` column) or, with `hard_delete`,
 * removes it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { runCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { API_KEY, deletedFlags, runArgsWithDest, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

let emulator: StripeEmulator;
const soft = freshSchema('si');
const hard = freshSchema('sh');
const streams = ['customers', 'products', 'subscriptions', 'shipping_rates', 'balance_transactions'];
const sourceConfig = ['--streams', streams.join(','), '--source-config', JSON.stringify({ requests_per_second: 200 })];
const softArgs = runArgsWithDest(soft, {}, ...sourceConfig);
const hardArgs = runArgsWithDest(hard, { hard_delete: true }, ...sourceConfig);

beforeAll(async () => {
  emulator = await startEmulator({ objects: 3_000, seed: 'stripe-incremental' });
});
afterAll(() => emulator?.close());

/** A request to the emulator's API, form-encoded like Stripe's. */
async function stripe(method: 'POST' | 'DELETE', path: string, form: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  expect(response.status, `${method} ${path}`).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

const runsOf = (schema: string) =>
  query<{ status: string; streams: Record<string, { records_read: number }> }>('select status, streams from sync.runs where pipeline_id = $1 order by started_at', [schema]);

it('picks up creates, updates and deletes made after the backfill; deletes flag the row, or remove it with hard_delete', async () => {
  for (const args of [softArgs, hardArgs]) expect((await runCli(args, stripeEnv(emulator))).exitCode).toBe(0);
  for (const schema of [soft, hard]) for (const stream of streams) expect(await tableRows(schema, stream), `${schema}.${stream}`).toEqual(servedRows(emulator, stream));

  const [kept, changed, removed] = emulator.objects('customers').slice(3, 6);
  const created = await stripe('POST', '/v1/customers', { email: 'new.customer@example.com', name: 'New Customer' });
  await stripe('POST', `/v1/customers/${changed!.id}`, { email: 'first@example.com' });
  await stripe('POST', `/v1/customers/${changed!.id}`, { email: 'second@example.com', 'metadata[tier]': 'gold' });
  expect(await stripe('DELETE', `/v1/customers/${removed!.id}`)).toEqual({ id: removed!.id, object: 'customer', deleted: true });
  const subscription = emulator.objects('subscriptions')[0]!;
  await stripe('DELETE', `/v1/subscriptions/${subscription.id}`);
  const product = await stripe('POST', '/v1/products', { name: 'Brand new' });
  const rate = await stripe('POST', '/v1/shipping_rates', { display_name: 'Drone' });

  const second = await runCli(softArgs, stripeEnv(emulator));
  expect(second.exitCode).toBe(0);
  const rows = new Map((await tableRows(soft, 'customers')).map((r) => [r.id, r.raw]));
  expect(rows.get(created.id as string)).toEqual(created);
  expect(rows.get(changed!.id as string)).toMatchObject({ email: 'second@example.com', metadata: { tier: 'gold' } });
  expect(rows.get(changed!.id as string)).toEqual(emulator.objects('customers').find((c) => c.id === changed!.id));
  expect(rows.get(kept!.id as string)).toEqual(kept);
  // Soft delete (the default): the row stays, its `_deleted` column says it is gone from Stripe.
  expect(await deletedFlags(soft, 'customers', [removed!.id as string, kept!.id as string, changed!.id as string, created.id as string])).toEqual({
    [removed!.id as string]: true, [kept!.id as string]: false, [changed!.id as string]: false, [created.id as string]: false,
  });
  expect(await deletedFlags(soft, 'subscriptions', [subscription.id as string])).toEqual({ [subscription.id as string]: true });
  // Apart from the rows flagged deleted, the table is what Stripe serves.
  const live = await query<{ id: string }>(`select id from "${soft}".customers where not _deleted order by id`);
  expect(live.map((r) => r.id)).toEqual(servedRows(emulator, 'customers').map((r) => r.id));
  expect((await tableRows(soft, 'products')).find((r) => r.id === product.id)?.raw).toEqual(product);
  expect((await tableRows(soft, 'shipping_rates')).find((r) => r.id === rate.id)?.raw).toEqual(rate);

  const runs = await runsOf(soft);
  expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  // Only the changes were read: 1 create + 2 updates + 1 delete of customers, and so on.
  expect(Object.fromEntries(streams.map((s) => [s, runs[1]!.streams[s]!.records_read]))).toEqual({
    customers: 4, products: 1, subscriptions: 1, shipping_rates: 1, balance_transactions: 0,
  });

  // hard_delete: the rows of deleted objects are gone; every table is exactly what Stripe serves.
  expect((await runCli(hardArgs, stripeEnv(emulator))).exitCode).toBe(0);
  expect(await deletedFlags(hard, 'customers', [removed!.id as string, kept!.id as string])).toEqual({ [kept!.id as string]: false });
  expect(await deletedFlags(hard, 'subscriptions', [subscription.id as string])).toEqual({});
  for (const stream of streams) expect(await tableRows(hard, stream), `${hard}.${stream}`).toEqual(servedRows(emulator, stream));

  // A third run finds nothing new: no record read, one request per stream.
  emulator.resetRequests();
  expect((await runCli(softArgs, stripeEnv(emulator))).exitCode).toBe(0);
  const third = (await runsOf(soft)).at(-1)!;
  expect(Object.values(third.streams).every((s) => s.records_read === 0)).toBe(true);
  expect(emulator.requests.filter((r) => r.path.startsWith('/v1/'))).toHaveLength(streams.length);
}, 180_000); // four CLI runs against the emulator: room for a loaded machine, not a time bound
