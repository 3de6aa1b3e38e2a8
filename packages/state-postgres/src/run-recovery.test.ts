import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateStore } from './state-store.ts';
import { storeForTests } from './test-support/store-for-tests.ts';

const db = storeForTests('test_run_recovery');
const { url, schema } = db;

describe('runs taken over by another worker', () => {
  it('finds a running run whose worker died (its lock connection gone) and queues it again, once', async () => {
    const pipeline = await db.newPipeline();
    const queued = await db.service.enqueueRun(pipeline, 'sync', {});
    // A worker in another "process": its own store, closed without finishing the run (as a SIGKILL would).
    const worker = await StateStore.open({ url, schema });
    await worker.startRun(pipeline, { runId: queued.id });
    expect(await db.service.findDeadRuns()).not.toContainEqual({ id: queued.id, pipelineId: pipeline });
    expect(await db.service.requeueRun(queued.id, 'dead')).toBeUndefined();
    await worker.close();
    expect(await db.service.findDeadRuns()).toContainEqual({ id: queued.id, pipelineId: pipeline });
    const again = await db.service.requeueRun(queued.id, 'dead');
    expect(again).toMatchObject({ id: queued.id, status: 'queued', takeovers: 1 });
    // A second reaper that saw it dead too finds nothing to do.
    expect(await db.service.requeueRun(queued.id, 'dead')).toBeUndefined();
    // Another worker takes it over and finishes it.
    await db.store.startRun(pipeline, { runId: queued.id });
    await db.store.finishRun(queued.id, { status: 'succeeded', streams: {} });
    expect(await db.service.getServiceRun(queued.id)).toMatchObject({ status: 'succeeded', takeovers: 1 });
  });

  it('queues again a run its worker released (failed on a SIGTERM), not one that was cancelled', async () => {
    const pipeline = await db.newPipeline();
    const released = await db.service.enqueueRun(pipeline, 'sync', {});
    await db.store.startRun(pipeline, { runId: released.id });
    await db.store.finishRun(released.id, { status: 'failed', error: 'the run was interrupted', streams: {} });
    expect(await db.service.requeueRun(released.id, 'released')).toMatchObject({ status: 'queued', takeovers: 1 });
    await db.store.startRun(pipeline, { runId: released.id });
    await db.service.requestCancel(released.id);
    await db.store.finishRun(released.id, { status: 'failed', error: 'the run was interrupted', streams: {} });
    expect(await db.service.requeueRun(released.id, 'released')).toBeUndefined();
    expect((await db.service.getServiceRun(released.id))?.status).toBe('cancelled');
  });

  it('records what queued a run, its attempt and the run it follows', async () => {
    const pipeline = await db.newPipeline();
    const first = await db.service.enqueueRun(pipeline, 'sync', {});
    expect(first).toMatchObject({ trigger: 'manual', attempt: 1, takeovers: 0 });
    await db.store.startRun(pipeline, { runId: first.id });
    await db.store.finishRun(first.id, { status: 'failed', error: 'x', streams: {} });
    const retry = await db.service.enqueueRun(pipeline, 'sync', {}, { trigger: 'retry', attempt: 2, previousRunId: first.id });
    expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, previousRunId: first.id });
    await db.service.requestCancel(retry.id);
  });
});

describe('progress of a running run', () => {
  it('keeps the records read so far beside the committed counts, until the run finishes', async () => {
    const pipeline = await db.newPipeline();
    const run = await db.service.enqueueRun(pipeline, 'sync', {});
    await db.store.startRun(pipeline, { runId: run.id });
    await db.service.setRecordsRead(run.id, { customers: 250, charges: 10 });
    await db.service.setRecordsRead(run.id, { customers: 400 });
    expect((await db.service.getServiceRun(run.id))?.streams).toEqual({
      customers: { recordsRead: 400, recordsCommitted: 0 },
      charges: { recordsRead: 10, recordsCommitted: 0 },
    });
    await db.store.finishRun(run.id, { status: 'succeeded', streams: { customers: { recordsRead: 500, recordsCommitted: 500, status: 'complete' } } });
    await db.service.setRecordsRead(run.id, { customers: 1 });
    expect((await db.service.getServiceRun(run.id))?.streams.customers).toMatchObject({ recordsRead: 500, recordsCommitted: 500 });
  });
});

describe('pipeline operations', () => {
  it('sets, keeps and clears a schedule and limits', async () => {
    const id = `p-${randomBytes(4).toString('hex')}`;
    await db.service.createPipeline({ id, source: { name: 'stripe', config: {} }, destination: { name: 'postgres', config: {} } }).catch(async () => {
      // Without a secret key the store cannot seal configs: use a pipeline without stored config.
      await db.store.ensurePipeline({ id, source: 'stripe', destination: 'postgres' });
    });
    expect((await db.service.getPipeline(id))?.operations).toEqual({ maxAttempts: 3 });
    await db.service.setPipelineOperations(id, { schedule: { cron: '0 * * * *', timezone: 'Europe/Paris', jitterSeconds: 10 }, maxAttempts: 5, maxDurationSeconds: 600 });
    await db.service.setNextRunAt(id, new Date('2030-01-01T00:00:00Z'));
    await db.service.setPipelineOperations(id, { maxAttempts: 4 });
    expect((await db.service.getPipeline(id))?.operations).toEqual({
      schedule: { cron: '0 * * * *', timezone: 'Europe/Paris', jitterSeconds: 10 },
      nextRunAt: new Date('2030-01-01T00:00:00Z'),
      maxAttempts: 4,
      maxDurationSeconds: 600,
    });
    // Due in 2030: not overdue. Due ten minutes ago: overdue past a one-minute grace, not past an hour's.
    expect(await db.service.overdueSchedules(60_000)).not.toContain(id);
    await db.service.setNextRunAt(id, new Date(Date.now() - 10 * 60_000));
    expect(await db.service.overdueSchedules(60_000)).toContain(id);
    expect(await db.service.overdueSchedules(3_600_000)).not.toContain(id);
    await db.service.setPipelineOperations(id, { schedule: null, maxDurationSeconds: null });
    expect((await db.service.getPipeline(id))?.operations).toEqual({ maxAttempts: 4 });
    expect(await db.service.setPipelineOperations('no-such-pipeline', { maxAttempts: 2 })).toBe(false);
  });
});
