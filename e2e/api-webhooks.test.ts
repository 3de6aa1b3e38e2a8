/**
 * `POST /webhooks/stripe/{pipeline_id}` (issue 14): a delivery signed the way Stripe signs it
 * (HMAC-SHA256 of `<t>.<payload>` with the pipeline's webhook_secret) is answered 200 at once and
 * applied by a worker as a run of kind `webhook`, and the change lands in the destination's table; the
 * same event id again is answered 200 `duplicate: true` and kept once; a bad or missing signature is a
 * 400 problem document and nothing is kept. Real HTTP to the real `sync serve`, the Stripe emulator
 * as the source of the events; then no secret in anything the server said.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stripeSignature, type ApiRun, type RunEvent } from './support/api-client.ts';
import { startApiHarness, type ApiHarness } from './support/api-harness.ts';
import { searchForSecrets } from './support/api-secrets.ts';
import { freshSchema } from './support/database.ts';
import { servedRows } from './support/stripe.ts';

let h: ApiHarness;
const schema = freshSchema('api_hooks');

beforeAll(async () => {
  h = await startApiHarness({ objects: 100, counts: { customers: 40, products: 20 }, seed: 'api-webhooks' });
  const created = await h.client.post('/pipelines', h.pipelineBody('hooks', schema));
  expect(created.status, created.text).toBe(201);
  // A first sync, so the webhook changes rows that exist as well as adding new ones.
  const run = await h.client.startRun('hooks');
  expect((await h.client.followEvents(run.id)).at(-1)).toMatchObject({ type: 'run_finished', status: 'succeeded' });
  expect(await h.db.tableRows(schema, 'customers')).toEqual(servedRows(h.emulator, 'customers'));
});
afterAll(() => h?.close());

/** The newest event of the emulator, as Stripe would POST it to the endpoint. */
async function latestEvent(): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.emulator.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${h.apiKey}` } });
  const [event] = ((await response.json()) as { data: Record<string, unknown>[] }).data;
  return event!;
}

/** POSTs `payload` to the pipeline's webhook route with `signature` (none when undefined). */
function deliver(payload: string, signature: string | undefined, pipelineId = 'hooks') {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) };
  return h.client.request<{ received?: boolean; duplicate?: boolean; type?: string; detail?: string }>('POST', `/webhooks/stripe/${pipelineId}`, { raw: payload, token: null, headers });
}

/** The webhook runs of the pipeline, oldest first. */
async function webhookRuns(): Promise<ApiRun[]> {
  const runs = await h.client.get<{ data: ApiRun[] }>('/pipelines/hooks/runs');
  return runs.body.data.filter((r) => r.kind === 'webhook').reverse();
}

const seen = new Set<string>();
/** Waits for a webhook run of the pipeline not seen before, follows its events to the end, and returns them. */
async function nextWebhookRun(): Promise<{ run: ApiRun; events: RunEvent[] }> {
  const found = await h.client.waitForRun('hooks', (r) => r.kind === 'webhook' && !seen.has(r.id));
  seen.add(found.id);
  const events = await h.client.followEvents(found.id);
  return { run: (await h.client.get<ApiRun>(`/runs/${found.id}`)).body, events };
}

it('applies a signed delivery into the destination, and keeps a redelivery of the same event once', async () => {
  const customer = h.emulator.objects('customers')[3]!;
  h.emulator.update('customers', customer.id as string, { email: 'changed-by-webhook@example.com' });
  const event = await latestEvent();
  expect(event.type).toBe('customer.updated');
  const payload = JSON.stringify(event);

  const first = await deliver(payload, stripeSignature(payload, h.webhookSecret));
  expect(first.status, first.text).toBe(200);
  expect(first.body).toEqual({ received: true, duplicate: false });

  const { run, events } = await nextWebhookRun();
  expect(events.at(-1), JSON.stringify(events.filter((e) => e.type !== 'records_read'))).toMatchObject({ type: 'run_finished', status: 'succeeded' });
  expect(run).toMatchObject({ kind: 'webhook', status: 'succeeded', streams: { customers: { records_committed: 1 } } });
  const rows = new Map((await h.db.tableRows(schema, 'customers')).map((r) => [r.id, r.raw]));
  expect(rows.get(customer.id as string)).toMatchObject({ email: 'changed-by-webhook@example.com' });
  expect(await h.db.tableRows(schema, 'customers')).toEqual(servedRows(h.emulator, 'customers'));

  // Stripe retries a delivery it thinks failed: same event id, newly signed.
  const again = await deliver(payload, stripeSignature(payload, h.webhookSecret));
  expect(again.status, again.text).toBe(200);
  expect(again.body).toEqual({ received: true, duplicate: true });
  const kept = await h.db.query<{ event_id: string; applied: boolean }>('select event_id, applied_at is not null as applied from sync.webhook_deliveries where pipeline_id = $1', ['hooks']);
  expect(kept).toEqual([{ event_id: event.id, applied: true }]);
});

it('a new object arrives by webhook too, in a second run', async () => {
  const created = h.emulator.create('customers', { email: 'new-by-webhook@example.com' });
  const event = await latestEvent();
  expect(event.type).toBe('customer.created');
  const payload = JSON.stringify(event);
  const answer = await deliver(payload, stripeSignature(payload, h.webhookSecret));
  expect(answer.body).toEqual({ received: true, duplicate: false });
  const { run } = await nextWebhookRun();
  expect(run.status).toBe('succeeded');
  const rows = new Map((await h.db.tableRows(schema, 'customers')).map((r) => [r.id, r.raw]));
  expect(rows.get(created.id as string)).toMatchObject({ email: 'new-by-webhook@example.com' });
  expect(await h.db.tableRows(schema, 'customers')).toEqual(servedRows(h.emulator, 'customers'));
});

it('refuses a bad signature, a forged payload and a missing signature with 400, keeping nothing', async () => {
  const customer = h.emulator.objects('customers')[5]!;
  h.emulator.update('customers', customer.id as string, { email: 'never-applied@example.com' });
  const event = await latestEvent();
  const payload = JSON.stringify(event);
  const forged = JSON.stringify({ ...event, id: 'evt_forged_by_someone' });
  const refused = [
    await deliver(payload, stripeSignature(payload, 'whsec_not_the_pipelines_secret_at_all')),
    await deliver(forged, stripeSignature(payload, h.webhookSecret)),
    await deliver(payload, stripeSignature(payload, h.webhookSecret, Math.floor(Date.now() / 1000) - 3600)),
    await deliver(payload, 't=1,v1=00'),
    await deliver(payload, undefined),
  ];
  for (const answer of refused) {
    expect(answer.status, answer.text).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ type: '/problems/bad-signature', status: 400, instance: '/webhooks/stripe/hooks' });
  }
  expect(refused.at(-1)!.body.detail).toMatch(/no Stripe-Signature header/);
  expect((await deliver(payload, stripeSignature(payload, h.webhookSecret), 'no-such-pipeline')).status).toBe(404);

  const kept = await h.db.query<{ event_id: string }>('select event_id from sync.webhook_deliveries where pipeline_id = $1 order by id', ['hooks']);
  expect(kept.map((k) => k.event_id)).not.toContain(event.id);
  expect(kept.map((k) => k.event_id)).not.toContain('evt_forged_by_someone');
  expect(kept).toHaveLength(2);
  expect(await webhookRuns()).toHaveLength(2);
  const rows = new Map((await h.db.tableRows(schema, 'customers')).map((r) => [r.id, r.raw]));
  expect(rows.get(customer.id as string)?.email).not.toBe('never-applied@example.com');
});

it('no secret in any answer, in the server log, or in a pg_dump of the database', async () => {
  await h.server.stop();
  const { leaks, dump } = await searchForSecrets(h);
  expect(leaks).toEqual([]);
  expect(dump).toContain('changed-by-webhook@example.com');
  expect(dump).toContain('customer.created');
});
