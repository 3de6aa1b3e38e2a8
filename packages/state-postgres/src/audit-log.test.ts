import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { ServiceStore } from './service-store.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_audit_log');
let store: StateStore;
let service: ServiceStore;

beforeAll(async () => {
  store = await StateStore.open({ url, schema });
  service = store.service();
});
afterAll(async () => {
  await store?.close();
  await dropSchema(url, schema);
});

it('records changes with who, what and when, and lists them newest first, page by page', async () => {
  const first = await service.recordAudit({
    actor: 'token:0123456789ab',
    action: 'pipeline.created',
    targetType: 'pipeline',
    targetId: 'stripe-to-pg',
    details: { source: { name: 'source-stripe', config: { api_key: '••••••' } } },
  });
  expect(first).toMatchObject({ actor: 'token:0123456789ab', action: 'pipeline.created', targetType: 'pipeline', targetId: 'stripe-to-pg' });
  expect(first.at).toBeInstanceOf(Date);
  expect(typeof first.id).toBe('number');
  const second = await service.recordAudit({ actor: 'token:0123456789ab', action: 'run.started', targetType: 'run', targetId: 'r1', details: {} });
  const third = await service.recordAudit({ actor: 'token:ffffffffffff', action: 'run.cancelled', targetType: 'run', targetId: 'r1', details: { reason: 'asked' } });

  expect(await service.listAudit()).toEqual([third, second, first]);
  expect(await service.listAudit({ limit: 2 })).toEqual([third, second]);
  expect(await service.listAudit({ beforeId: second.id })).toEqual([first]);
  expect(await service.listAudit({ beforeId: first.id })).toEqual([]);
});
