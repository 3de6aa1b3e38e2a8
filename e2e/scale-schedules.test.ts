/**
 * Schedules, retries, time limits and SIGTERM with `sync worker` processes (issue 16), against
 * `sync serve --workers 0` and `sync emulator stripe` processes; every assertion reads run rows,
 * events and tables, never how long something took:
 * - ticks missed while no worker ran add up to one scheduled run, in the schedule's time zone;
 * - scheduled runs (a 6-field cron, every 2 s, runs longer than that) never overlap: ticks are skipped;
 * - a transient failure is retried (`trigger: retry`, attempt 2, `previous_run_id`) up to
 *   `max_attempts`; a config error (a wrong API key) is not;
 * - a run past `max_duration_seconds` stops at its time limit and `continuation` runs finish the sync;
 * - a worker stopped with SIGTERM mid-run releases its run (`run_released`), another worker finishes it;
 * - with `sync serve` stopped, runs in progress finish and schedules keep firing.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RunEvent } from './support/api-client.ts';
import { repoRoot } from './support/cli.ts';
import { freshSchema } from './support/database.ts';
import { overlap, servedBy, startScaleCluster, type QueuedRun, type ScaleCluster } from './support/scale-cluster.ts';
import type { EmulatorProcess, WorkerProcess } from './support/scale-processes.ts';

let cluster: ScaleCluster;
/** 2,000 objects (214 customers, 22 pages of 10), 100 ms per answer: a read of customers takes 2.2 s or more. */
let slow: EmulatorProcess;
/** A directory on every process's PATH with `source-scripted` (e2e/fixtures/scripted-source.mjs). */
let bin: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'sync-scale-bin-'));
  await symlink(join(repoRoot, 'e2e/fixtures/scripted-source.mjs'), join(bin, 'source-scripted'));
  cluster = await startScaleCluster({ PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` });
  slow = await cluster.startEmulator({ objects: 2000, seed: 'scale-schedules', latencyMs: 100 });
});
afterAll(async () => {
  await cluster?.close();
  if (bin) await rm(bin, { recursive: true, force: true });
});

/** Starts a worker that finds `source-scripted` and retries after 1 s. */
async function startWorker(): Promise<WorkerProcess> {
  const worker = await cluster.startWorker({ retryDelay: '1s', env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` } });
  workers.push(worker);
  return worker;
}

/** A customers-only pipeline on the slow emulator, one page of 10 at a time (a checkpoint after each). */
function slowPipeline(id: string, schema: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return cluster.pipelineBody(id, slow, schema, { streams: ['customers'], source: { page_size: 10, max_concurrency: 1 }, ...more });
}

async function expectCustomersExact(schema: string): Promise<void> {
  expect(await cluster.db.tableRows(schema, 'customers')).toEqual(await servedBy(slow.options, 'customers'));
}

/** The run's events to the end, and its one `run_finished`. */
async function finish(runId: string, onEvent?: (event: RunEvent) => void): Promise<{ events: RunEvent[]; end: RunEvent }> {
  const events = await cluster.client.followEvents(runId, onEvent);
  const ends = events.filter((e) => e.type === 'run_finished');
  expect(ends, `${runId}: ${events.filter((e) => e.type !== 'checkpoint' && e.type !== 'records_read').map((e) => JSON.stringify(e)).join('\n')}`).toHaveLength(1);
  return { events, end: ends[0]! };
}

/** The wall-clock fields of `at` in `timeZone`. */
function fieldsIn(at: Date, timeZone: string): { second: number; minute: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { second: part('second'), minute: part('minute'), hour: part('hour') };
}

it('ticks missed while no worker runs add up to one scheduled run (a daily 6-field cron in Asia/Kathmandu, UTC+5:45)', async () => {
  // Three ticks 2 s apart, the first at least 3 s ahead, within one minute of Kathmandu's clock: the
  // cron fires at those three instants today, then tomorrow.
  const timezone = 'Asia/Kathmandu';
  let first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
  if (fieldsIn(first, timezone).second > 55) first = new Date(first.getTime() + (60 - fieldsIn(first, timezone).second) * 1000);
  const { second, minute, hour } = fieldsIn(first, timezone);
  const cron = `${second},${second + 2},${second + 4} ${minute} ${hour} * * *`;
  const last = new Date(first.getTime() + 4000);
  const schema = freshSchema('sched_missed');
  await cluster.createPipeline(slowPipeline('missed', schema, { schedule: { cron, timezone } }));
  const pipeline = await cluster.client.get<{ next_run_at: string | null }>('/pipelines/missed');
  expect(pipeline.body.next_run_at).toBe(first.toISOString());

  // No worker: every tick passes (on the database's clock, the one the queue reads).
  await vi.waitFor(async () => expect((await cluster.db.query<{ past: boolean }>('select now() > $1 as past', [last]))[0]!.past).toBe(true), { timeout: 30_000, interval: 250 });
  expect(await cluster.runsOf('missed')).toEqual([]);

  await startWorker();
  const run = await cluster.client.waitForRun('missed', () => true);
  const { end } = await finish(run.id);
  expect(end.status).toBe('succeeded');
  const runs = await cluster.runsOf('missed');
  expect(runs.map((r) => [r.trigger, r.status])).toEqual([['schedule', 'succeeded']]);
  // What is left is tomorrow's first tick: today's missed ones made that one run, no more.
  const after = await cluster.client.get<{ next_run_at: string | null }>('/pipelines/missed');
  expect(after.body.next_run_at).toBe(new Date(first.getTime() + 86_400_000).toISOString());
  await expectCustomersExact(schema);
});

it('scheduled runs every 2 s (6-field cron) that last longer never overlap: ticks during a run are skipped', async () => {
  await startWorker();
  const schema = freshSchema('sched_every');
  // Full refresh: every run reads all 22 pages again, 2.2 s or more.
  const body = { ...slowPipeline('every', schema, { schedule: { cron: '*/2 * * * * *' } }), streams: [{ name: 'customers', sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' }] };
  await cluster.createPipeline(body);
  await vi.waitFor(
    async () => {
      const done = (await cluster.runsOf('every')).filter((r) => r.status === 'succeeded');
      expect(done.length).toBeGreaterThanOrEqual(3);
      expect(workers.some((w) => w.output().includes('pipeline every: scheduled tick skipped'))).toBe(true);
    },
    { timeout: 60_000, interval: 250 },
  );
  expect((await cluster.client.request('PATCH', '/pipelines/every', { json: { schedule: null } })).status).toBe(200);
  const runs = await vi.waitFor(
    async () => {
      const all = await cluster.runsOf('every');
      expect(all.filter((r) => r.status === 'queued' || r.status === 'running')).toEqual([]);
      return all;
    },
    { timeout: 30_000, interval: 250 },
  );
  expect(new Set(runs.map((r) => `${r.trigger} ${r.status} ${r.takeovers}`))).toEqual(new Set(['schedule succeeded 0']));
  for (const [i, a] of runs.entries()) for (const b of runs.slice(i + 1)) expect(overlap(a, b), `${a.id} [${a.started_at}, ${a.finished_at}] and ${b.id} [${b.started_at}, ${b.finished_at}]`).toBe(false);
  await expectCustomersExact(schema);
});

it('a transient failure is retried up to max_attempts (trigger retry, attempt 2, previous_run_id); a config error is not', async () => {
  const record = { type: 'RECORD', record: { stream: 'widgets', data: { id: 'w1', updated: 1 }, emitted_at: 0 } };
  const trace = { type: 'TRACE', trace: { type: 'ERROR', emitted_at: 0, error: { message: 'the widget API answered 503', failure_type: 'transient_error' } } };
  const created = await cluster.client.post('/pipelines', {
    id: 'flaky',
    source: { name: 'scripted', config: { streams: ['widgets'], lines: [JSON.stringify(record), JSON.stringify(trace)], exit_code: 1 } },
    destination: { name: 'postgres', config: { url: cluster.db.ownerUrl, schema: freshSchema('sched_flaky') } },
    max_attempts: 2,
  });
  expect(created.status, created.text).toBe(201);
  const first = await cluster.client.startRun('flaky');
  const firstEnd = (await finish(first.id)).end;
  expect(firstEnd).toMatchObject({ status: 'failed', failure_type: 'transient_error', next_run_id: expect.any(String) });
  const retry = (await finish(firstEnd.next_run_id as string)).end;
  expect(retry).toMatchObject({ status: 'failed', failure_type: 'transient_error' });
  // The last attempt queues nothing more.
  expect(retry.next_run_id).toBeUndefined();
  const runs = await cluster.runsOf('flaky');
  expect(runs.map((r) => [r.id, r.status, r.trigger, r.attempt, r.previous_run_id])).toEqual([
    [firstEnd.next_run_id, 'failed', 'retry', 2, first.id],
    [first.id, 'failed', 'manual', 1, null],
  ]);

  await cluster.createPipeline(cluster.pipelineBody('wrong-key', slow, freshSchema('sched_key'), { streams: ['customers'], source: { api_key: 'sk_test_not_the_emulators_key_0000' }, max_attempts: 3 }));
  const refused = await cluster.client.startRun('wrong-key');
  const refusedEnd = (await finish(refused.id)).end;
  expect(refusedEnd).toMatchObject({ status: 'failed', failure_type: 'config_error' });
  expect(refusedEnd.next_run_id).toBeUndefined();
  expect((await cluster.runsOf('wrong-key')).map((r) => [r.id, r.status, r.attempt])).toEqual([[refused.id, 'failed', 1]]);
});

it('a run past max_duration_seconds stops at its time limit; continuation runs resume and finish the sync exactly', async () => {
  const schema = freshSchema('sched_limit');
  await cluster.createPipeline(slowPipeline('limited', schema, { max_duration_seconds: 2 }));
  const chain: { run: QueuedRun; end: RunEvent }[] = [];
  let runId = (await cluster.client.startRun('limited')).id;
  for (;;) {
    const { end } = await finish(runId);
    const run = (await cluster.client.get<QueuedRun>(`/runs/${runId}`)).body;
    chain.push({ run, end });
    if (end.status === 'succeeded') break;
    expect(chain.length, 'continuation runs make progress').toBeLessThan(20);
    expect(run.error).toContain('stopped at its time limit (2 s)');
    expect(end.next_run_id).toEqual(expect.any(String));
    runId = end.next_run_id as string;
  }
  expect(chain.length).toBeGreaterThanOrEqual(2);
  const [head, ...continuations] = chain;
  expect(head!.run).toMatchObject({ trigger: 'manual', previous_run_id: null });
  for (const [i, { run }] of continuations.entries()) expect(run).toMatchObject({ trigger: 'continuation', attempt: 1, previous_run_id: chain[i]!.run.id });
  // Each continuation resumed where the previous one stopped: the records they committed add up to the emulator's.
  const committed = chain.reduce((n, { run }) => n + (run.streams.customers?.records_committed ?? 0), 0);
  expect(committed).toBeGreaterThanOrEqual((await servedBy(slow.options, 'customers')).length);
  await expectCustomersExact(schema);
});

it('a worker stopped with SIGTERM mid-run releases the run (run_released); another worker finishes it from its last checkpoint', async () => {
  expect(workers.length).toBeGreaterThanOrEqual(2);
  const schema = freshSchema('sched_term');
  await cluster.createPipeline(slowPipeline('released', schema));
  const run = await cluster.client.startRun('released');
  let stopped: Promise<number | undefined> | undefined;
  let holder: WorkerProcess | undefined;
  const { events, end } = await finish(run.id, (event) => {
    if (stopped || event.type !== 'checkpoint') return;
    holder = workers.find((w) => w.pipelinesStarted().includes('released'));
    stopped = holder?.stop();
  });
  expect(holder, 'a worker started the run').toBeDefined();
  expect(await stopped).toBe(0);
  const types = events.map((e) => e.type);
  expect(types).toContain('run_released');
  expect(types.indexOf('run_released')).toBeLessThan(types.indexOf('run_finished'));
  expect(end.status).toBe('succeeded');
  const others = workers.filter((w) => w !== holder).flatMap((w) => w.pipelinesStarted());
  expect(others).toContain('released');
  const after = (await cluster.client.get<QueuedRun>(`/runs/${run.id}`)).body;
  expect(after).toMatchObject({ status: 'succeeded', takeovers: 1, trigger: 'manual' });
  expect((await cluster.runsOf('released')).map((r) => r.id)).toEqual([run.id]);
  await expectCustomersExact(schema);
});

it('with the API stopped, runs go on: a run in progress finishes and a schedule keeps firing (the workers need only the database)', async () => {
  // Last in this file: the API stays down.
  const schema = freshSchema('sched_headless');
  await cluster.createPipeline(slowPipeline('headless', schema));
  await cluster.createPipeline(slowPipeline('ticking', freshSchema('sched_ticking'), { schedule: { cron: '*/2 * * * * *' } }));
  const run = await cluster.client.startRun('headless');
  let stopped: Promise<number | undefined> | undefined;
  // The event stream ends with the server, cleanly or not: what matters is in the database.
  await cluster.client
    .followEvents(run.id, (event) => {
      if (event.type === 'checkpoint') stopped ??= cluster.server.stop();
    })
    .catch(() => {});
  expect(await stopped).toBe(0);
  const at = (await cluster.db.query<{ at: Date }>('select now() as at'))[0]!.at;
  await vi.waitFor(
    async () => {
      const runs = await cluster.db.query<{ pipeline_id: string; trigger: string; status: string }>(
        `select pipeline_id, trigger, status from sync.runs where (id = $1 or (pipeline_id = 'ticking' and created_at > $2)) and status = 'succeeded'`,
        [run.id, at],
      );
      expect(runs.map((r) => `${r.pipeline_id} ${r.trigger}`)).toEqual(expect.arrayContaining(['headless manual', 'ticking schedule']));
    },
    { timeout: 60_000, interval: 250 },
  );
  await expectCustomersExact(schema);
});
