import { randomBytes } from 'node:crypto';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, storeForTests } from '@sync/state-postgres/test-support';
import { createApp } from './app.ts';
import type { ServerContext } from './context.ts';
import { createMetrics, type Metrics } from './metrics.ts';

const db = storeForTests('test_metrics');
const { url, schema } = db;
// A queue schema of this file's own: other test files' jobs are not counted.
const queueSchema = `test_metrics_gw_${randomBytes(6).toString('hex')}`;
const silent = new Logger(() => () => {});
let pool: pg.Pool;
let utils: WorkerUtils;
let runner: Runner | undefined;
let release = () => {};

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: url, max: 3 });
  utils = await makeWorkerUtils({ connectionString: url, schema: queueSchema, logger: silent });
  await utils.migrate();
});
afterAll(async () => {
  release();
  await runner?.stop();
  await utils?.release();
  await pool?.end();
  await dropSchema(url, queueSchema);
});

/** `name{labels}` → value, for every sample line of a Prometheus text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('createMetrics', () => {
  it("reads runs by kind and status, each pipeline's last checkpoint age, and the queue by task and state from Postgres", async () => {
    const service = db.store.service();
    for (const id of ['m-queued', 'm-running', 'm-succeeded', 'm-failed']) await db.store.ensurePipeline({ id, source: 'source-stripe', destination: 'destination-postgres' });
    await service.enqueueRun('m-queued', 'sync', {});
    const running = await db.store.startRun('m-running');
    await db.store.commitState(running.id, 'm-running', { type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { cursor: 1 } } });
    const succeeded = await db.store.startRun('m-succeeded');
    await db.store.finishRun(succeeded.id, { status: 'succeeded', streams: {} });
    const failed = await db.store.startRun('m-failed');
    await db.store.finishRun(failed.id, { status: 'failed', error: 'boom', streams: {} });

    // Queue: two jobs due (one an hour late), one due tomorrow, one out of attempts, one held by a worker.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utils.addJob('sync_run', { run_id: 'a' }, { runAt: hourAgo });
    await utils.addJob('sync_run', { run_id: 'b' });
    await utils.addJob('sync_run', { run_id: 'c' }, { runAt: new Date(Date.now() + 86_400_000) });
    const dead = await utils.addJob('stripe_webhooks', { pipeline_id: 'x' });
    await utils.permanentlyFailJobs([dead.id], 'test');
    let started = () => {};
    const holding = new Promise<void>((resolve) => (started = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    runner = await run({ connectionString: url, schema: queueSchema, concurrency: 1, noHandleSignals: true, pollInterval: 100, logger: silent, taskList: { hold: async () => { started(); await gate; } } });
    await utils.addJob('hold', {});
    await holding;

    const metrics = createMetrics({ pool, schema, queueSchema, tasks: ['sync_run', 'stripe_webhooks'], processMetrics: false });
    const got = samples(await metrics.render());
    expect(got.get('sync_runs{kind="sync",status="queued"}')).toBe(1);
    expect(got.get('sync_runs{kind="sync",status="running"}')).toBe(1);
    expect(got.get('sync_runs{kind="sync",status="succeeded"}')).toBe(1);
    expect(got.get('sync_runs{kind="sync",status="failed"}')).toBe(1);
    expect(got.get('sync_runs{kind="sync",status="cancelled"}')).toBe(0);
    expect(got.get('sync_runs{kind="webhook",status="queued"}')).toBe(0);
    // Only m-running has checkpointed.
    expect([...got.keys()].filter((k) => k.startsWith('sync_pipeline_last_checkpoint_age_seconds'))).toEqual(['sync_pipeline_last_checkpoint_age_seconds{pipeline="m-running"}']);
    expect(got.get('sync_pipeline_last_checkpoint_age_seconds{pipeline="m-running"}')).toBeGreaterThanOrEqual(0);
    expect(got.get('sync_queue_jobs{task="sync_run",state="waiting"}')).toBe(2);
    expect(got.get('sync_queue_jobs{task="sync_run",state="scheduled"}')).toBe(1);
    expect(got.get('sync_queue_jobs{task="sync_run",state="running"}')).toBe(0);
    expect(got.get('sync_queue_jobs{task="stripe_webhooks",state="failed"}')).toBe(1);
    expect(got.get('sync_queue_jobs{task="stripe_webhooks",state="waiting"}')).toBe(0);
    expect(got.get('sync_queue_jobs{task="hold",state="running"}')).toBe(1);
    expect(got.get('sync_queue_oldest_waiting_job_age_seconds{task="sync_run"}')).toBeGreaterThanOrEqual(3600);
    expect(got.get('sync_queue_oldest_waiting_job_age_seconds{task="stripe_webhooks"}')).toBe(0);
    release();
    await db.store.finishRun(running.id, { status: 'succeeded', streams: {} });
  });

  it("counts records from runs' events, as increases of each stream's totals", async () => {
    const metrics = createMetrics({ pool, schema, queueSchema, processMetrics: false });
    const events: [string, { type: string } & Record<string, unknown>][] = [
      ['p1', { type: 'run_created', run_id: 'r1', pipeline_id: 'p1' }],
      ['p1', { type: 'records_read', stream: 'customers', total_read: 10 }],
      ['p1', { type: 'records_read', stream: 'invoices', total_read: 4 }],
      ['p1', { type: 'records_read', stream: 'customers', total_read: 25 }],
      ['p1', { type: 'checkpoint', stream: 'customers', records_committed: 20, total_committed: 20, total_read: 30 }],
      ['p2', { type: 'records_read', stream: 'customers', total_read: 3 }],
      // A second attempt (after a heal) counts from 0 again: 5 more records read.
      ['p1', { type: 'records_read', stream: 'customers', total_read: 5 }],
      // The next run of p1 starts its totals at 0.
      ['p1', { type: 'run_created', run_id: 'r2', pipeline_id: 'p1' }],
      ['p1', { type: 'checkpoint', stream: 'customers', records_committed: 7, total_committed: 7, total_read: 7 }],
      ['p1', { type: 'log', level: 'info', message: 'ignored' }],
    ];
    for (const [pipeline, event] of events) metrics.onRunEvent(pipeline, event);
    const got = samples(await metrics.render());
    expect(got.get('sync_records_read_total{pipeline="p1"}')).toBe(30 + 4 + 5 + 7);
    expect(got.get('sync_records_committed_total{pipeline="p1"}')).toBe(20 + 7);
    expect(got.get('sync_records_read_total{pipeline="p2"}')).toBe(3);
  });

  it("reports each account's requests, 429s and waits from the rate-limit proxies' counts", async () => {
    let counts = [{ account: 'acct:0123456789abcdef', requests: 12, rateLimited: 2, waitedSeconds: 1.5 }];
    const metrics = createMetrics({ pool, schema, queueSchema, accountCounts: () => counts, processMetrics: false });
    let got = samples(await metrics.render());
    expect(got.get('sync_stripe_requests_total{account="acct:0123456789abcdef"}')).toBe(12);
    expect(got.get('sync_stripe_rate_limited_total{account="acct:0123456789abcdef"}')).toBe(2);
    expect(got.get('sync_stripe_rate_limit_wait_seconds_total{account="acct:0123456789abcdef"}')).toBe(1.5);
    counts = [{ ...counts[0]!, requests: 20 }];
    got = samples(await metrics.render());
    expect(got.get('sync_stripe_requests_total{account="acct:0123456789abcdef"}')).toBe(20);
  });

  it("adds Node's process metrics by default, and refuses a schema name that is not plain", async () => {
    const text = await createMetrics({ pool, schema, queueSchema }).render();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(() => createMetrics({ pool, schema: 'x; drop', queueSchema })).toThrow('metrics: "x; drop" is not a plain lower-case schema name');
  });
});

describe('GET /metrics', () => {
  const token = 'a-token-of-the-metrics-test';
  const context = { log: () => {} } as unknown as ServerContext;
  const appWith = (metrics: Metrics | undefined) => createApp(context, token, metrics);

  it("answers the metrics in Prometheus' text format to a bearer of the token, 401 to anyone else", async () => {
    const app = appWith(createMetrics({ pool, schema, queueSchema, processMetrics: false }));
    const ok = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await ok.text()).toContain('# TYPE sync_runs gauge');
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong-token-value' } })).status).toBe(401);
  });

  it('answers an empty scrape when the process keeps no metrics', async () => {
    const response = await appWith(undefined).request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
