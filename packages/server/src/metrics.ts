/**
 * Metrics for operators (issue 16) in Prometheus' text format (https://prometheus.io/docs/instrumenting/exposition_formats/),
 * on prom-client, served at `GET /metrics` by the API and by each worker. Two kinds:
 *
 * - **this process's**, counted as they happen: records read and committed by the runs it executes
 *   (from their events), Stripe requests, 429 answers and time waited for a token per account (from
 *   its rate-limit proxies), and Node's process metrics (CPU, memory, event loop);
 * - **the whole deployment's**, read from Postgres at each scrape: runs by kind and status, seconds
 *   since each pipeline's last checkpoint, queue depth by task and state and the oldest waiting
 *   job's age. Every process reports the same values for these: aggregate them with `max`, not `sum`.
 *
 * Label sets are bounded: pipelines and accounts, never streams or runs.
 */
import type pg from 'pg';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AccountCounts } from './rate-limit/account-limiter.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const RUN_KINDS = ['sync', 'webhook'] as const;
const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const JOB_STATES = ['waiting', 'scheduled', 'running', 'failed'] as const;

export interface MetricsOptions {
  /** A pool on the state store's database (any `query`). */
  pool: Pick<pg.Pool, 'query'>;
  /** The state store's schema (`store.schema`). */
  schema: string;
  /** graphile-worker's schema; default `graphile_worker`. */
  queueSchema?: string;
  /** Tasks whose queue gauges are 0 rather than absent when they have no job (the tasks of queue.ts). */
  tasks?: readonly string[];
  /** This process's per-account request counts (`AccountRateLimits.counts`). */
  accountCounts?: () => readonly AccountCounts[];
  /** Node's process metrics (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …); default true. */
  processMetrics?: boolean;
}

/** A process's metrics. */
export interface Metrics {
  /** The registry (to add metrics of one's own; `registry.metrics()` alone does not refresh what is read from Postgres). */
  registry: Registry;
  /** The `Content-Type` of `render()`'s text. */
  contentType: string;
  /** Counts a run's event (as `ServerContext.onRunEvent` gets it: snake_case `records_read`, `checkpoint`, …). */
  onRunEvent(pipelineId: string, event: { type: string } & Record<string, unknown>): void;
  /**
   * Reads the deployment's gauges from Postgres, then renders every metric.
   * @throws Error from Postgres (the state store unreachable): the scrape fails, as Prometheus expects.
   */
  render(): Promise<string>;
}

/** A count from an event, or undefined when the field is not a count. */
const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/**
 * The metrics of one process. Records counters take the increase of each stream's running totals
 * (`total_read`, `total_committed`), which start again at each run (and at a run's second attempt);
 * a pipeline runs one run at a time (its run lock), so totals are kept per pipeline and stream and
 * forgotten at `run_created`.
 *
 * @throws Error when `schema` or `queueSchema` is not a plain lower-case identifier.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const queueSchema = options.queueSchema ?? 'graphile_worker';
  for (const name of [options.schema, queueSchema]) if (!IDENTIFIER.test(name)) throw new Error(`metrics: ${JSON.stringify(name)} is not a plain lower-case schema name`);
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const recordsRead = new Counter({ name: 'sync_records_read_total', help: 'Records read from sources by the runs of this process.', labelNames: ['pipeline'], registers: [registry] });
  const recordsCommitted = new Counter({ name: 'sync_records_committed_total', help: 'Records the destinations of this process\'s runs acknowledged as committed.', labelNames: ['pipeline'], registers: [registry] });
  const accountCounter = (name: string, help: string, of: (c: AccountCounts) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['account'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of options.accountCounts?.() ?? []) this.inc({ account: c.account }, of(c));
      },
    });
  accountCounter('sync_stripe_requests_total', 'Stripe requests this process sent, by account (acct: + a hash prefix of the API key).', (c) => c.requests);
  accountCounter('sync_stripe_rate_limited_total', 'Stripe requests of this process answered 429 Too Many Requests, by account.', (c) => c.rateLimited);
  accountCounter('sync_stripe_rate_limit_wait_seconds_total', 'Time Stripe requests of this process waited for their account\'s shared rate limit, summed, by account.', (c) => c.waitedSeconds);

  const runs = new Gauge({ name: 'sync_runs', help: 'Runs in the state store by kind and status (every process reports the same).', labelNames: ['kind', 'status'], registers: [registry] });
  const checkpointAge = new Gauge({ name: 'sync_pipeline_last_checkpoint_age_seconds', help: 'Seconds since each pipeline\'s last acknowledged checkpoint (every process reports the same).', labelNames: ['pipeline'], registers: [registry] });
  const jobs = new Gauge({ name: 'sync_queue_jobs', help: 'Jobs in the queue by task and state: waiting (due), scheduled (later, such as a retry), running (locked by a worker), failed (out of attempts).', labelNames: ['task', 'state'], registers: [registry] });
  const oldestWaiting = new Gauge({ name: 'sync_queue_oldest_waiting_job_age_seconds', help: 'Seconds the oldest due job of each task has waited for a worker; 0 when none waits.', labelNames: ['task'], registers: [registry] });

  async function readDeployment(): Promise<void> {
    const [runRows, ageRows, jobRows] = await Promise.all([
      options.pool.query<{ kind: string; status: string; n: number }>(`SELECT kind, status, count(*)::int AS n FROM ${options.schema}.runs GROUP BY kind, status`),
      options.pool.query<{ pipeline_id: string; age: number }>(
        `SELECT pipeline_id, extract(epoch FROM clock_timestamp() - max(updated_at))::float8 AS age FROM ${options.schema}.stream_states GROUP BY pipeline_id`,
      ),
      readJobs(),
    ]);
    runs.reset();
    for (const kind of RUN_KINDS) for (const status of RUN_STATUSES) runs.set({ kind, status }, 0);
    for (const r of runRows.rows) runs.set({ kind: r.kind, status: r.status }, r.n);
    checkpointAge.reset();
    for (const r of ageRows.rows) checkpointAge.set({ pipeline: r.pipeline_id }, Math.max(0, r.age));
    jobs.reset();
    oldestWaiting.reset();
    const tasks = new Set([...(options.tasks ?? []), ...jobRows.map((r) => r.task)]);
    for (const task of tasks) {
      for (const state of JOB_STATES) jobs.set({ task, state }, 0);
      oldestWaiting.set({ task }, 0);
    }
    for (const r of jobRows) {
      jobs.set({ task: r.task, state: r.state }, r.n);
      if (r.state === 'waiting') oldestWaiting.set({ task: r.task }, Math.max(0, r.oldest));
    }
  }

  /** The queue's jobs by task and state; none when graphile-worker's schema is not there (yet). */
  async function readJobs(): Promise<{ task: string; state: string; n: number; oldest: number }[]> {
    try {
      const { rows } = await options.pool.query<{ task: string; state: string; n: number; oldest: number }>(
        `SELECT task_identifier AS task,
                CASE WHEN locked_at IS NOT NULL THEN 'running'
                     WHEN attempts >= max_attempts THEN 'failed'
                     WHEN run_at > now() THEN 'scheduled'
                     ELSE 'waiting' END AS state,
                count(*)::int AS n,
                extract(epoch FROM now() - min(run_at))::float8 AS oldest
         FROM ${queueSchema}.jobs GROUP BY 1, 2`,
      );
      return rows;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '42P01' || code === '3F000') return [];
      throw error;
    }
  }

  // Per pipeline and stream: the totals of its current run last counted.
  const totals = new Map<string, Map<string, { read: number; committed: number }>>();
  function add(pipelineId: string, stream: unknown, read: number | undefined, committed: number | undefined): void {
    if (typeof stream !== 'string') return;
    let streams = totals.get(pipelineId);
    if (!streams) totals.set(pipelineId, (streams = new Map()));
    const last = streams.get(stream) ?? { read: 0, committed: 0 };
    // A total below the last one counts from 0 again: the engine read the stream again from the start
    // (a second attempt after healing the destination), so the records are read anew.
    if (read !== undefined && read !== last.read) {
      recordsRead.inc({ pipeline: pipelineId }, read > last.read ? read - last.read : read);
      last.read = read;
    }
    if (committed !== undefined && committed !== last.committed) {
      recordsCommitted.inc({ pipeline: pipelineId }, committed > last.committed ? committed - last.committed : committed);
      last.committed = committed;
    }
    streams.set(stream, last);
  }

  return {
    registry,
    contentType: registry.contentType,
    onRunEvent(pipelineId, event) {
      if (event.type === 'run_created') totals.delete(pipelineId);
      else if (event.type === 'records_read') add(pipelineId, event.stream, count(event.total_read), undefined);
      else if (event.type === 'checkpoint') add(pipelineId, event.stream, count(event.total_read), count(event.total_committed));
    },
    async render() {
      await readDeployment();
      return registry.metrics();
    },
  };
}
