import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { ServiceStore } from './service-store.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_webhooks');
let store: StateStore;
let service: ServiceStore;

beforeAll(async () => {
  store = await StateStore.open({ url, schema });
  service = store.service();
  for (const id of ['a', 'b']) await store.ensurePipeline({ id, source: 'source-stripe', destination: 'destination-postgres' });
});
afterAll(async () => {
  await store?.close();
  await dropSchema(url, schema);
});

const event = (id: string, type = 'customer.updated') => ({ id, object: 'event', type, data: { object: { id: 'cus_1', object: 'customer' } } });

it('keeps each event once per pipeline, applies them in order, and records the run that did', async () => {
  const first = await service.saveWebhookDelivery('a', event('evt_1'));
  expect(first).toMatchObject({ duplicate: false, delivery: { pipelineId: 'a', eventId: 'evt_1', eventType: 'customer.updated', event: event('evt_1') } });
  expect(first.delivery.receivedAt).toBeInstanceOf(Date);
  expect(first.delivery.appliedAt).toBeUndefined();
  // Stripe delivers it again: recognised, the first one is kept.
  const again = await service.saveWebhookDelivery('a', { ...event('evt_1'), redelivered: true });
  expect(again).toEqual({ delivery: first.delivery, duplicate: true });
  // The same event id for another pipeline is that pipeline's own.
  expect((await service.saveWebhookDelivery('b', event('evt_1'))).duplicate).toBe(false);
  const second = await service.saveWebhookDelivery('a', event('evt_2', 'invoice.paid'));
  const third = await service.saveWebhookDelivery('a', event('evt_3'));

  expect((await service.pendingWebhookDeliveries('a', 10)).map((d) => d.eventId)).toEqual(['evt_1', 'evt_2', 'evt_3']);
  expect((await service.pendingWebhookDeliveries('a', 2)).map((d) => d.eventId)).toEqual(['evt_1', 'evt_2']);

  const run = await service.enqueueRun('a', 'webhook', {});
  expect(await service.markWebhookDeliveriesApplied([first.delivery.id, second.delivery.id], run.id)).toBe(2);
  expect(await service.markWebhookDeliveriesApplied([first.delivery.id], run.id)).toBe(0);
  expect(await service.markWebhookDeliveriesApplied([], run.id)).toBe(0);
  expect((await service.pendingWebhookDeliveries('a', 10)).map((d) => d.id)).toEqual([third.delivery.id]);
  const applied = await service.saveWebhookDelivery('a', event('evt_1'));
  expect(applied.duplicate).toBe(true);
  expect(applied.delivery).toMatchObject({ runId: run.id });
  expect(applied.delivery.appliedAt).toBeInstanceOf(Date);
});

it('refuses an event without an id or a type, and an unknown pipeline', async () => {
  await expect(service.saveWebhookDelivery('a', { type: 'customer.updated' })).rejects.toThrow(
    'cannot keep a webhook event for pipeline "a": it needs a string "id" and "type" (a Stripe event object)',
  );
  await expect(service.saveWebhookDelivery('a', { id: 'evt_x' })).rejects.toThrow(/needs a string "id" and "type"/);
  await expect(service.saveWebhookDelivery('ghost', event('evt_g'))).rejects.toThrow('cannot keep webhook event evt_g: pipeline "ghost" does not exist');
});
