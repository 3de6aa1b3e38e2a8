import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { inject } from 'vitest';
import type { AirbyteStateMessage } from '@sync/protocol';
import { INTERRUPTED_RUN_ERROR, runLockKey } from './run-locks.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_state');
let store: StateStore;

beforeAll(async () => {
  store = await StateStore.open({ url, schema });
});
// A run holds its pipeline's lock and a connection until finished: finish what a test left running.
afterEach(async () => {
  for (const run of await store.listRuns()) {
    if (run.status === 'running') await store.finishRun(run.id, { status: 'failed', error: 'left running by the test', streams: {} }).catch(() => {});
  }
});
afterAll(async () => {
  await store?.close();
  await dropSchema(url, schema);
});

/** One query on a connection of its own (not the store's). */
async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The server process holding the run lock of `pipeline` (a 64-bit advisory lock: high half in classid). */
async function lockHolder(pipeline: string): Promise<number> {
  const [holder] = await query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
       AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
    [String(runLockKey(schema, pipeline))],
  );
  expect(holder).toBeDefined();
  return holder!.pid;
}

function streamState(stream: string, cursor: number, committed: number, namespace?: string): AirbyteStateMessage {
  return {
    type: 'STREAM',
    stream: {
      stream_descriptor: { name: stream, ...(namespace ? { namespace } : {}) },
      stream_state: { created: cursor },
    },
    sourceStats: { recordCount: committed },
    destinationStats: { recordCount: committed },
  };
}

let pipelines = 0;
async function newPipeline(): Promise<string> {
  const id = `pipe-${++pipelines}`;
  await store.ensurePipeline({ id, source: 'stripe', destination: 'postgres' });
  return id;
}

describe('StateStore state', () => {
  it('has no state for a new pipeline', async () => {
    expect(await store.loadState(await newPipeline())).toEqual([]);
  });

  it('round-trips per-stream states: latest wins per stream, other streams untouched', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    await store.commitState(run.id, pipeline, streamState('customers', 100, 10));
    await store.commitState(run.id, pipeline, streamState('invoices', 50, 5));
    await store.commitState(run.id, pipeline, streamState('customers', 200, 7));

    expect(await store.loadState(pipeline)).toEqual([streamState('customers', 200, 7), streamState('invoices', 50, 5)]);
    // Another pipeline's state is its own.
    expect(await store.loadState(await newPipeline())).toEqual([]);

    await store.finishRun(run.id, { status: 'succeeded', streams: {} });
    const later = await store.startRun(pipeline);
    await store.commitState(later.id, pipeline, streamState('invoices', 60, 1));
    expect(await store.loadState(pipeline)).toEqual([streamState('customers', 200, 7), streamState('invoices', 60, 1)]);
  });

  it('keeps streams of the same name in different namespaces apart', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    await store.commitState(run.id, pipeline, streamState('events', 1, 1, 'eu'));
    await store.commitState(run.id, pipeline, streamState('events', 2, 1, 'us'));
    expect(await store.loadState(pipeline)).toEqual([streamState('events', 1, 1, 'eu'), streamState('events', 2, 1, 'us')]);
  });

  it('round-trips a GLOBAL state as one row with stream ""', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    const global = (lsn: number): AirbyteStateMessage => ({
      type: 'GLOBAL',
      global: {
        shared_state: { lsn },
        stream_states: [
          { stream_descriptor: { name: 'a' }, stream_state: { id: lsn } },
          { stream_descriptor: { name: 'b' }, stream_state: { id: lsn + 1 } },
        ],
      },
      sourceStats: { recordCount: 4 },
    });
    await store.commitState(run.id, pipeline, global(1));
    await store.commitState(run.id, pipeline, global(2));
    expect(await store.loadState(pipeline)).toEqual([global(2)]);
    const checkpoints = await store.listCheckpoints(run.id);
    expect(checkpoints.map((c) => [c.stream, c.sourceRecordCount, c.destinationRecordCount])).toEqual([
      ['', 4, undefined],
      ['', 4, undefined],
    ]);
    // No destination count: the source's count of acknowledged records is what was committed.
    expect((await store.getRun(run.id))?.streams['']).toEqual({ recordsRead: 0, recordsCommitted: 8 });
  });

  it('round-trips a LEGACY state (no type, only data)', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    const legacy: AirbyteStateMessage = { data: { customers: { created: 5 } } };
    await store.commitState(run.id, pipeline, legacy);
    expect(await store.loadState(pipeline)).toEqual([legacy]);
  });

  it('writes one checkpoint row per acknowledged STATE, in order, and counts committed records', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    await store.commitState(run.id, pipeline, streamState('customers', 1, 3));
    await store.commitState(run.id, pipeline, {
      ...streamState('customers', 2, 4),
      destinationStats: { recordCount: 2 },
    });
    await store.commitState(run.id, pipeline, streamState('charges', 9, 6));
    const checkpoints = await store.listCheckpoints(run.id);
    expect(checkpoints.map((c) => [c.stream, c.namespace, c.sourceRecordCount, c.destinationRecordCount])).toEqual([
      ['customers', '', 3, 3],
      ['customers', '', 4, 2],
      ['charges', '', 6, 6],
    ]);
    expect(checkpoints.every((c) => c.runId === run.id && c.committedAt instanceof Date)).toBe(true);
    expect(checkpoints[0]!.id).toBeLessThan(checkpoints[1]!.id);
    expect((await store.getRun(run.id))?.streams).toEqual({
      customers: { recordsRead: 0, recordsCommitted: 5 },
      charges: { recordsRead: 0, recordsCommitted: 6 },
    });
  });

  it('commits a burst of STATEs at once: last state per stream, one checkpoint row each in order, counts summed', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    await store.commitStates(run.id, pipeline, [
      { state: streamState('customers', 1, 3) },
      { state: streamState('charges', 5, 2), recordsForwarded: 2 },
      { state: streamState('customers', 2, 4) },
    ]);
    expect(await store.loadState(pipeline)).toEqual([streamState('charges', 5, 2), streamState('customers', 2, 4)]);
    const checkpoints = await store.listCheckpoints(run.id);
    expect(checkpoints.map((c) => [c.stream, c.sourceRecordCount, c.recordsForwarded])).toEqual([
      ['customers', 3, undefined],
      ['charges', 2, 2],
      ['customers', 4, undefined],
    ]);
    expect((await store.getRun(run.id))?.streams).toEqual({
      customers: { recordsRead: 0, recordsCommitted: 7 },
      charges: { recordsRead: 0, recordsCommitted: 2 },
    });
    // All or none: a burst for a finished run keeps nothing of it.
    await store.finishRun(run.id, { status: 'succeeded', streams: {} });
    await expect(store.commitStates(run.id, pipeline, [{ state: streamState('customers', 3, 1) }, { state: streamState('refunds', 1, 1) }])).rejects.toThrow(/already finished/);
    expect((await store.loadState(pipeline)).map((s) => s.stream?.stream_descriptor.name)).toEqual(['charges', 'customers']);
    expect(await store.listCheckpoints(run.id)).toHaveLength(3);
  });

  it('throws and persists nothing when the run is unknown or belongs to another pipeline', async () => {
    const pipeline = await newPipeline();
    const other = await newPipeline();
    const run = await store.startRun(other);
    await expect(store.commitState('no-such-run', pipeline, streamState('customers', 1, 1))).rejects.toThrow(
      /cannot commit state: no run no-such-run of pipeline "pipe-\d+"/,
    );
    await expect(store.commitState(run.id, pipeline, streamState('customers', 1, 1))).rejects.toThrow(/no run/);
    expect(await store.loadState(pipeline)).toEqual([]);
    expect(await store.listCheckpoints(run.id)).toEqual([]);
  });

  it('throws on a malformed STATE', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    await expect(store.commitState(run.id, pipeline, { type: 'STREAM' })).rejects.toThrow(/STREAM needs `stream/);
    await expect(store.commitState(run.id, pipeline, { type: 'GLOBAL' })).rejects.toThrow(/GLOBAL needs `global`/);
  });

  it('resets some streams or all of them, and reports the rows removed', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    for (const stream of ['a', 'b', 'c']) await store.commitState(run.id, pipeline, streamState(stream, 1, 1));
    expect(await store.resetState(pipeline, ['b', 'missing'])).toBe(1);
    expect((await store.loadState(pipeline)).map((s) => s.stream?.stream_descriptor.name)).toEqual(['a', 'c']);
    expect(await store.resetState(pipeline)).toBe(2);
    expect(await store.loadState(pipeline)).toEqual([]);
    expect(await store.resetState(pipeline)).toBe(0);
    // History stays.
    expect(await store.listCheckpoints(run.id)).toHaveLength(3);
  });

  it('starts each stream at generation 0, and moves it on at a refresh or a reset of that stream', async () => {
    const pipeline = await newPipeline();
    expect(await store.streamGenerations(pipeline, ['a', 'b'])).toEqual({ a: 0, b: 0 });
    expect(await store.streamGenerations(pipeline, ['a', 'b'])).toEqual({ a: 0, b: 0 });
    // A refresh moves on the streams already known; a stream seen for the first time starts at 0.
    expect(await store.streamGenerations(pipeline, ['a', 'c'], { refresh: true })).toEqual({ a: 1, c: 0 });
    await store.resetState(pipeline, ['b']);
    expect(await store.streamGenerations(pipeline, ['a', 'b', 'c'])).toEqual({ a: 1, b: 1, c: 0 });
    await store.resetState(pipeline);
    expect(await store.streamGenerations(pipeline, ['a', 'b', 'c'])).toEqual({ a: 2, b: 2, c: 1 });
    // Generations belong to their pipeline.
    expect(await store.streamGenerations(await newPipeline(), ['a'])).toEqual({ a: 0 });
  });
});

describe('StateStore runs', () => {
  it('holds one run at a time per pipeline, and marks runs whose process died as interrupted', async () => {
    const pipeline = await newPipeline();
    const first = await store.startRun(pipeline);
    await expect(store.startRun(pipeline)).rejects.toThrow(
      new RegExp(`^pipeline "${pipeline}" is already running \\(run ${first.id}, started \\S+Z\\): wait for it to finish`),
    );
    // Another store (another process) is refused too; another pipeline is not.
    const other = await StateStore.open({ url, schema });
    try {
      await expect(other.startRun(pipeline)).rejects.toThrow(/is already running/);
      const elsewhere = await other.startRun(await newPipeline());
      await other.finishRun(elsewhere.id, { status: 'succeeded', streams: {} });
    } finally {
      await other.close();
    }
    await store.finishRun(first.id, { status: 'succeeded', streams: {} });

    // A process that dies mid-run: its connection, and with it the lock, goes; its run stays 'running'.
    const dying = await StateStore.open({ url, schema });
    const orphan = await dying.startRun(pipeline);
    await dying.commitState(orphan.id, pipeline, streamState('customers', 5, 5));
    const [lastCheckpoint] = await dying.listCheckpoints(orphan.id);
    await dying.close();
    expect((await store.getRun(orphan.id))?.status).toBe('running');
    const next = await store.startRun(pipeline);
    expect(await store.getRun(orphan.id)).toMatchObject({ status: 'failed', error: INTERRUPTED_RUN_ERROR, finishedAt: lastCheckpoint!.committedAt });
    expect((await store.getRun(first.id))?.status).toBe('succeeded');
    await store.finishRun(next.id, { status: 'succeeded', streams: {} });
  });

  it('survives losing the connection that holds a run lock: the error is reported, the lock is free', async () => {
    const pipeline = await newPipeline();
    const lost: Error[] = [];
    const running = await StateStore.open({ url, schema, onConnectionError: (error) => lost.push(error) });
    try {
      const run = await running.startRun(pipeline);
      // The server ends the lock's session (as a restart or a Ctrl-C to an embedded server would).
      await running.commitState(run.id, pipeline, streamState('customers', 1, 1));
      await query('SELECT pg_terminate_backend($1)', [await lockHolder(pipeline)]);
      // pg reports the server's FATAL, then the socket closing.
      await vi.waitFor(() => expect(lost.map((e) => e.message)).toContainEqual(expect.stringMatching(new RegExp(`^run ${run.id} lost its pipeline lock with its connection: terminating connection`))));
      for (const error of lost) expect(error.message).toMatch(new RegExp(`^run ${run.id} lost its pipeline lock`));
      // The run no longer holds its pipeline: it may not commit another checkpoint.
      await expect(running.commitState(run.id, pipeline, streamState('customers', 2, 1))).rejects.toThrow(
        new RegExp(`^cannot commit state: run ${run.id} no longer holds the lock of pipeline "${pipeline}" \\(its connection failed: terminating connection`),
      );
      expect(await running.loadState(pipeline)).toEqual([streamState('customers', 1, 1)]);
      const next = await store.startRun(pipeline);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'failed', error: INTERRUPTED_RUN_ERROR });
      await store.finishRun(next.id, { status: 'succeeded', streams: {} });
    } finally {
      await running.close();
    }
  });

  it('refuses a checkpoint from a run whose lock connection ended, even before the client notices', async () => {
    const pipeline = await newPipeline();
    const running = await StateStore.open({ url, schema, onConnectionError: () => {} });
    try {
      const run = await running.startRun(pipeline);
      // Waits until the server process has ended, so its lock is gone whether or not pg has told the client.
      await query('SELECT pg_terminate_backend($1, 10000)', [await lockHolder(pipeline)]);
      await expect(running.commitState(run.id, pipeline, streamState('customers', 1, 1))).rejects.toThrow(
        new RegExp(`^cannot commit state: run ${run.id} no longer holds the lock of pipeline "${pipeline}"`),
      );
      expect(await running.loadState(pipeline)).toEqual([]);
      // A new run may start, and the old one can no longer commit once it has.
      const next = await store.startRun(pipeline);
      await expect(running.commitState(run.id, pipeline, streamState('customers', 1, 1))).rejects.toThrow(/already finished \(failed: interrupted/);
      await store.finishRun(next.id, { status: 'succeeded', streams: {} });
    } finally {
      await running.close();
    }
  });

  it('goes running → succeeded with final counts merged over committed counts', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    const started = await store.getRun(run.id);
    expect(started).toMatchObject({ id: run.id, pipelineId: pipeline, status: 'running', streams: {} });
    expect(started?.finishedAt).toBeUndefined();
    expect(started?.error).toBeUndefined();

    await store.commitState(run.id, pipeline, streamState('customers', 1, 3));
    await store.commitState(run.id, pipeline, streamState('invoices', 1, 2));
    await store.finishRun(run.id, {
      status: 'succeeded',
      streams: { customers: { recordsRead: 3, recordsCommitted: 3, status: 'COMPLETE' } },
    });
    const finished = await store.getRun(run.id);
    expect(finished?.status).toBe('succeeded');
    expect(finished?.finishedAt).toBeInstanceOf(Date);
    expect(finished!.finishedAt!.getTime()).toBeGreaterThanOrEqual(finished!.startedAt.getTime());
    expect(finished?.streams).toEqual({
      customers: { recordsRead: 3, recordsCommitted: 3, status: 'COMPLETE' },
      invoices: { recordsRead: 0, recordsCommitted: 2 },
    });
  });

  it('records a failure with its error, and refuses to finish a run twice', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    await store.finishRun(run.id, { status: 'failed', error: 'destination crashed', streams: {} });
    expect(await store.getRun(run.id)).toMatchObject({ status: 'failed', error: 'destination crashed' });
    await expect(store.finishRun(run.id, { status: 'succeeded', streams: {} })).rejects.toThrow(
      `cannot finish run ${run.id}: it already finished with status failed`,
    );
    await expect(store.finishRun('nope', { status: 'succeeded', streams: {} })).rejects.toThrow(/no such run/);
  });

  it('refuses to start a run of an unknown pipeline', async () => {
    await expect(store.startRun('ghost')).rejects.toThrow('pipeline "ghost" does not exist (call ensurePipeline first)');
  });

  it('lists runs newest first, per pipeline or all, with a limit', async () => {
    const a = await newPipeline();
    const b = await newPipeline();
    const ids: string[] = [];
    for (const pipeline of [a, b, a, a]) {
      const { id } = await store.startRun(pipeline);
      await store.finishRun(id, { status: 'succeeded', streams: {} });
      ids.push(id);
    }
    const ofA = await store.listRuns({ pipelineId: a });
    expect(ofA.map((r) => r.id)).toEqual([ids[3], ids[2], ids[0]]);
    expect((await store.listRuns({ pipelineId: a, limit: 2 })).map((r) => r.id)).toEqual([ids[3], ids[2]]);
    const all = await store.listRuns({ limit: 4 });
    expect(all.map((r) => r.id)).toEqual([...ids].reverse());
    expect(await store.getRun('missing')).toBeUndefined();
  });

  it('updates a pipeline when its source or destination changes', async () => {
    const pipeline = await newPipeline();
    await store.ensurePipeline({ id: pipeline, source: 'stripe', destination: 'google-sheets' });
    await store.ensurePipeline({ id: pipeline, source: 'stripe', destination: 'google-sheets' });
    const run = await store.startRun(pipeline);
    expect((await store.getRun(run.id))?.pipelineId).toBe(pipeline);
  });
});

describe('StateStore reconciliation', () => {
  it('keeps the records the engine forwarded next to the source and destination counts', async () => {
    const pipeline = await newPipeline();
    const run = await store.startRun(pipeline);
    const withoutStats: AirbyteStateMessage = { type: 'STREAM', stream: { stream_descriptor: { name: 'charges' }, stream_state: { c: 1 } } };
    await store.commitState(run.id, pipeline, streamState('customers', 1, 10), { recordsForwarded: 10 });
    await store.commitState(run.id, pipeline, withoutStats, { recordsForwarded: 7 });
    const checkpoints = await store.listCheckpoints(run.id);
    expect(checkpoints.map((c) => [c.stream, c.sourceRecordCount, c.destinationRecordCount, c.recordsForwarded])).toEqual([
      ['customers', 10, 10, 10],
      ['charges', undefined, undefined, 7],
    ]);
    // Without destinationStats, what the engine forwarded before the acknowledged STATE counts as committed.
    expect((await store.getRun(run.id))?.streams.charges?.recordsCommitted).toBe(7);
    await store.finishRun(run.id, { status: 'succeeded', streams: { customers: { recordsRead: 10, recordsCommitted: 9, countMismatches: 1 } } });
    expect((await store.getRun(run.id))?.streams.customers).toEqual({ recordsRead: 10, recordsCommitted: 9, countMismatches: 1 });
  });
});
