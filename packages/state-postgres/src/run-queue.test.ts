import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from './conflict-error.ts';
import { INTERRUPTED_RUN_ERROR } from './run-locks.ts';
import { RUN_CANCEL_CHANNEL } from './run-queue.ts';
import { RunNotQueuedError } from './start-run.ts';
import { StateStore } from './state-store.ts';
import { storeForTests } from './test-support/store-for-tests.ts';

const db = storeForTests('test_run_queue');
const { url, schema } = db;
// A running run holds its pipeline's lock and a connection: finish what a test left running.
afterEach(async () => {
  for (const run of await db.store.listRuns({ limit: 1000 })) {
    if (run.status === 'running') await db.store.finishRun(run.id, { status: 'failed', error: 'left running by the test', streams: {} }).catch(() => {});
  }
});

/** The next notification on `channel` whose payload is `payload`, on a listener of its own. */
async function nextNotification(channel: string, payload: string): Promise<{ heard: Promise<void>; close: () => Promise<void> }> {
  let resolve = () => {};
  const heard = new Promise<void>((r) => (resolve = r));
  const listener = await db.service.listen([channel], (c, p) => {
    if (c === channel && p === payload) resolve();
  });
  return { heard, close: () => listener.close() };
}

describe('the run queue', () => {
  it('queues a run with its request; a worker takes it over', async () => {
    const pipeline = await db.newPipeline();
    const queued = await db.service.enqueueRun(pipeline, 'sync', { fullRefresh: true, streams: ['customers'] });
    expect(queued).toMatchObject({ pipelineId: pipeline, status: 'queued', kind: 'sync', request: { fullRefresh: true, streams: ['customers'] }, streams: {} });
    expect(queued.createdAt).toEqual(queued.startedAt);
    expect(queued.finishedAt).toBeUndefined();
    expect(queued.cancelRequestedAt).toBeUndefined();
    expect(await db.service.getServiceRun(queued.id)).toEqual(queued);

    expect(await db.store.startRun(pipeline, { runId: queued.id })).toEqual({ id: queued.id });
    const running = await db.service.getServiceRun(queued.id);
    expect(running).toMatchObject({ status: 'running', createdAt: queued.createdAt });
    expect(running!.startedAt.getTime()).toBeGreaterThanOrEqual(queued.createdAt.getTime());
    await db.store.commitState(queued.id, pipeline, { type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { c: 1 } } });
    await db.store.finishRun(queued.id, { status: 'succeeded', streams: {} });
    expect((await db.service.getServiceRun(queued.id))?.status).toBe('succeeded');
  });

  it('refuses to take over a run that is not queued, and frees the pipeline', async () => {
    const pipeline = await db.newPipeline();
    const queued = await db.service.enqueueRun(pipeline, 'sync', {});
    await db.store.startRun(pipeline, { runId: queued.id });
    // A second worker racing for the same run: the lock is taken, so it is told the pipeline runs.
    const other = await StateStore.open({ url, schema });
    try {
      await expect(other.startRun(pipeline, { runId: queued.id })).rejects.toThrow(/is already running/);
      await db.store.finishRun(queued.id, { status: 'succeeded', streams: {} });
      const late = other.startRun(pipeline, { runId: queued.id });
      await expect(late).rejects.toThrow(new RunNotQueuedError(queued.id, pipeline, 'succeeded'));
      await expect(late).rejects.toThrow(`run ${queued.id} of pipeline "${pipeline}" is not queued (it is succeeded)`);
      await expect(other.startRun(pipeline, { runId: 'no-such-run' })).rejects.toMatchObject({ runId: 'no-such-run', status: undefined });
      // The lock went back each time.
      const next = await other.startRun(pipeline);
      await other.finishRun(next.id, { status: 'succeeded', streams: {} });
    } finally {
      await other.close();
    }
    const elsewhere = await db.service.enqueueRun(await db.newPipeline(), 'sync', {});
    await expect(db.store.startRun(pipeline, { runId: elsewhere.id })).rejects.toBeInstanceOf(RunNotQueuedError);
  });

  it('allows one sync queued or running per pipeline, whoever started it; webhook runs queue freely', async () => {
    const pipeline = await db.newPipeline();
    const first = await db.service.enqueueRun(pipeline, 'sync', {});
    const again = db.service.enqueueRun(pipeline, 'sync', {});
    await expect(again).rejects.toThrow(new RegExp(`^pipeline "${pipeline}" already has run ${first.id} queued \\(since \\S+Z\\): wait for it to finish, or cancel it$`));
    await expect(again).rejects.toMatchObject({ code: 'conflict', runId: first.id });
    // `sync run` (a new run, no id) is refused while the API has one queued, and says which.
    await expect(db.store.startRun(pipeline)).rejects.toThrow(
      new RegExp(`^cannot start a run: pipeline "${pipeline}" has run ${first.id} queued by the API \\(since \\S+Z\\): wait for it to finish, or cancel it`),
    );
    const hooks = [await db.service.enqueueRun(pipeline, 'webhook', {}), await db.service.enqueueRun(pipeline, 'webhook', {})];
    expect(hooks.map((h) => h.kind)).toEqual(['webhook', 'webhook']);

    await db.store.startRun(pipeline, { runId: first.id });
    await expect(db.service.enqueueRun(pipeline, 'sync', {})).rejects.toThrow(`already has run ${first.id} running`);
    await db.store.finishRun(first.id, { status: 'succeeded', streams: {} });

    // A `sync run` of the pipeline running: the API is refused too.
    const cli = await db.store.startRun(pipeline);
    await expect(db.service.enqueueRun(pipeline, 'sync', {})).rejects.toMatchObject({ runId: cli.id });
    await db.store.finishRun(cli.id, { status: 'succeeded', streams: {} });
    expect((await db.service.enqueueRun(pipeline, 'sync', {})).status).toBe('queued');
  });

  it('is not blocked by a run whose process died: it is marked interrupted, as the next start would', async () => {
    const pipeline = await db.newPipeline();
    const dying = await StateStore.open({ url, schema });
    const orphan = await dying.startRun(pipeline);
    await dying.close();
    const queued = await db.service.enqueueRun(pipeline, 'sync', {});
    expect(await db.store.getRun(orphan.id)).toMatchObject({ status: 'failed', error: INTERRUPTED_RUN_ERROR });
    // Taking over never touches a queued run: it waits for its worker.
    await db.store.startRun(pipeline, { runId: queued.id });
    await db.store.finishRun(queued.id, { status: 'succeeded', streams: {} });
  });

  it('lists runs newest first by when they were asked for, per pipeline or all', async () => {
    const a = await db.newPipeline();
    const b = await db.newPipeline();
    const ids: string[] = [];
    for (const pipeline of [a, b, a]) {
      const run = await db.service.enqueueRun(pipeline, 'sync', {});
      ids.push(run.id);
      await db.service.requestCancel(run.id);
    }
    expect((await db.service.listServiceRuns({ pipelineId: a })).map((r) => r.id)).toEqual([ids[2], ids[0]]);
    expect((await db.service.listServiceRuns({ limit: 3 })).map((r) => r.id)).toEqual([...ids].reverse());
    expect((await db.service.listServiceRuns({ pipelineId: a, limit: 1 })).map((r) => r.id)).toEqual([ids[2]]);
  });
});

describe('cancelling a run', () => {
  it('cancels a queued run at once; a worker can no longer take it over', async () => {
    const pipeline = await db.newPipeline();
    const queued = await db.service.enqueueRun(pipeline, 'sync', {});
    const cancelled = await db.service.requestCancel(queued.id);
    expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled' });
    expect(cancelled?.finishedAt).toBeInstanceOf(Date);
    expect(cancelled?.cancelRequestedAt).toBeInstanceOf(Date);
    await expect(db.store.startRun(pipeline, { runId: queued.id })).rejects.toThrow(`is not queued (it is cancelled)`);
    // The pipeline is free for the next one.
    expect((await db.service.enqueueRun(pipeline, 'sync', {})).status).toBe('queued');
    expect(await db.service.requestCancel('no-such-run')).toBeUndefined();
  });

  it('asks a running run to stop with a notification; the run then ends cancelled, with its error and states', async () => {
    const pipeline = await db.newPipeline();
    const queued = await db.service.enqueueRun(pipeline, 'sync', {});
    await db.store.startRun(pipeline, { runId: queued.id });
    await db.store.commitState(queued.id, pipeline, { type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { c: 7 } } });
    const notification = await nextNotification(RUN_CANCEL_CHANNEL, queued.id);
    try {
      const asked = await db.service.requestCancel(queued.id);
      expect(asked).toMatchObject({ status: 'running' });
      expect(asked?.cancelRequestedAt).toBeInstanceOf(Date);
      await notification.heard;
    } finally {
      await notification.close();
    }
    // Asked twice: the first time stays.
    const twice = await db.service.requestCancel(queued.id);
    expect(twice?.cancelRequestedAt).toEqual((await db.service.getServiceRun(queued.id))?.cancelRequestedAt);

    await db.store.finishRun(queued.id, { status: 'failed', error: 'cancelled: the connectors were stopped', streams: {} });
    expect(await db.service.getServiceRun(queued.id)).toMatchObject({ status: 'cancelled', error: 'cancelled: the connectors were stopped' });
    expect(await db.store.loadState(pipeline)).toHaveLength(1);
    // A finished run is left as it is.
    expect((await db.service.requestCancel(queued.id))?.status).toBe('cancelled');
  });

  it('records a run cancelled while its process died as cancelled, interrupted', async () => {
    const pipeline = await db.newPipeline();
    const dying = await StateStore.open({ url, schema });
    const run = await dying.startRun(pipeline);
    await db.service.requestCancel(run.id);
    await dying.close();
    const next = await db.store.startRun(pipeline);
    expect(await db.store.getRun(run.id)).toMatchObject({ status: 'cancelled', error: INTERRUPTED_RUN_ERROR });
    await db.store.finishRun(next.id, { status: 'succeeded', streams: {} });
  });

  it('records a run that succeeded despite a late cancel as succeeded', async () => {
    const pipeline = await db.newPipeline();
    const run = await db.store.startRun(pipeline);
    await db.service.requestCancel(run.id);
    await db.store.finishRun(run.id, { status: 'succeeded', streams: {} });
    expect((await db.store.getRun(run.id))?.status).toBe('succeeded');
    await expect(db.store.finishRun(run.id, { status: 'failed', streams: {} })).rejects.toThrow('already finished with status succeeded');
    const queued = await db.service.enqueueRun(pipeline, 'sync', {});
    await expect(db.store.finishRun(queued.id, { status: 'failed', streams: {} })).rejects.toThrow(`cannot finish run ${queued.id}: it is queued, never started`);
  });
});

it('ConflictError is an Error with a code', () => {
  const error = new ConflictError('taken', { runId: 'r' });
  expect(error).toBeInstanceOf(Error);
  expect([error.name, error.code, error.runId, error.message]).toEqual(['ConflictError', 'conflict', 'r', 'taken']);
});
