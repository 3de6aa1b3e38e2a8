import { expect, it } from 'vitest';
import { storeForTests } from './test-support/store-for-tests.ts';

const db = storeForTests('test_audit_log');

it('records changes with who, what and when, and lists them newest first, page by page', async () => {
  const first = await db.service.recordAudit({
    actor: 'token:0123456789ab',
    action: 'pipeline.created',
    targetType: 'pipeline',
    targetId: 'stripe-to-pg',
    details: { source: { name: 'source-stripe', config: { api_key: '••••••' } } },
  });
  expect(first).toMatchObject({ actor: 'token:0123456789ab', action: 'pipeline.created', targetType: 'pipeline', targetId: 'stripe-to-pg' });
  expect(first.at).toBeInstanceOf(Date);
  expect(typeof first.id).toBe('number');
  const second = await db.service.recordAudit({ actor: 'token:0123456789ab', action: 'run.started', targetType: 'run', targetId: 'r1', details: {} });
  const third = await db.service.recordAudit({ actor: 'token:ffffffffffff', action: 'run.cancelled', targetType: 'run', targetId: 'r1', details: { reason: 'asked' } });

  expect(await db.service.listAudit()).toEqual([third, second, first]);
  expect(await db.service.listAudit({ limit: 2 })).toEqual([third, second]);
  expect(await db.service.listAudit({ beforeId: second.id })).toEqual([first]);
  expect(await db.service.listAudit({ beforeId: first.id })).toEqual([]);
});
