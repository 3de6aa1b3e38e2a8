/**
 * What `sync serve` and `sync worker` share: the context of routes and jobs, the job queue, and the
 * workers with their reaper. The reaper looks every `reapEveryMs` for runs whose worker died (they
 * are `running`, but nobody holds their pipeline's run lock, which lives on the dead worker's
 * connection) and queues them again; a live worker takes each over and resumes it from its last
 * acknowledged state. A run is thus never lost with its worker, and never run twice at once (the
 * requeue checks the lock in the same statement, and the takeover takes it). It also queues again a
 * scheduled tick more than 2 minutes overdue (its job may be held by a worker that died).
 */
import { errorMessage } from '@sync/engine';
import type { StateStore } from '@sync/state-postgres';
import pg from 'pg';
import { SpecCache, type ConnectorDirectory } from './connectors.ts';
import type { LogLevel, ServerContext } from './context.ts';
import { RunEventFeed } from './event-log.ts';
import { taskList } from './jobs.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { RUN_TASK, RunQueue, SCHEDULE_TASK, WEBHOOK_TASK } from './queue.ts';
import { createAccountRateLimits, type AccountRateLimits } from './rate-limit/account-rate-limits.ts';
import { RunningRuns } from './running-runs.ts';

export interface RuntimeOptions {
  /** An open state store (its secret keys seal pipeline configs). */
  store: StateStore;
  /** The store's database, for the job queue (graphile-worker, schema `graphile_worker`). */
  databaseUrl: string;
  directory: ConnectorDirectory;
  /** Values masked in everything runs report besides connector secrets (the database URL). */
  secrets?: readonly string[];
  /** Environment the connectors' allow-listed variables come from; default this process's. */
  connectorEnv?: NodeJS.ProcessEnv;
  /** Wait before the first retry of a failed run, ms; default 30 s (doubling per attempt). */
  retryBaseMs?: number;
  /**
   * Called when this process's workers stop by themselves (graphile-worker could not record a job's
   * end, as across a database restart): the process should exit non-zero so that its supervisor
   * starts it again; its runs are then taken over by any worker's reaper. Default: log it.
   */
  onFatal?: (error: Error) => void;
  /** How often the workers look for runs whose worker died, ms; default 5 s. */
  reapEveryMs?: number;
  /**
   * Requests per second allowed to each Stripe account, shared by every run of every process on the
   * database (rate-limit/); default Stripe's limits: 25 for test keys, 100 for live ones.
   */
  stripeRateLimit?: number;
  log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;
}

/** How late a scheduled tick may be before the reaper queues it again, ms. */
const SCHEDULE_GRACE_MS = 2 * 60_000;

/** The shared parts, opened. */
export class Runtime {
  readonly context: ServerContext;
  /** The shared Stripe rate limits of this process (their counts feed the metrics). */
  readonly rateLimits: AccountRateLimits;
  /** This process's Prometheus metrics (`GET /metrics`). */
  readonly metrics: Metrics;
  readonly #bucketPool: pg.Pool;
  readonly #reapEveryMs: number;
  readonly #onFatal: (error: Error) => void;
  #reaper: NodeJS.Timeout | undefined;
  #reaping: Promise<void> = Promise.resolve();
  /** Pipelines whose tick the last reap found overdue. */
  #overdue = new Set<string>();

  private constructor(context: ServerContext, rateLimits: AccountRateLimits, metrics: Metrics, bucketPool: pg.Pool, reapEveryMs: number, onFatal: (error: Error) => void) {
    this.#onFatal = onFatal;
    this.context = context;
    this.rateLimits = rateLimits;
    this.metrics = metrics;
    this.#bucketPool = bucketPool;
    this.#reapEveryMs = reapEveryMs;
  }

  /**
   * Opens the queue (creating graphile-worker's schema) and the event feed.
   * @throws Error from Postgres.
   */
  static async open(options: RuntimeOptions): Promise<Runtime> {
    const service = options.store.service();
    const queue = await RunQueue.open({ connectionString: options.databaseUrl, log: options.log });
    const feed = new RunEventFeed(service);
    // The token buckets and the metrics' reads get connections of their own: a take waits on no run's
    // statement (a scrape makes 3 queries at once).
    const bucketPool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    bucketPool.on('error', (error) => options.log('warn', `rate limit connection lost: ${error.message}`));
    const rateLimits = createAccountRateLimits({
      pool: bucketPool,
      schema: options.store.schema,
      ...(options.stripeRateLimit !== undefined ? { rate: options.stripeRateLimit } : {}),
      log: options.log,
    });
    const metrics = createMetrics({ pool: bucketPool, schema: options.store.schema, tasks: [RUN_TASK, WEBHOOK_TASK, SCHEDULE_TASK], accountCounts: rateLimits.counts });
    const context: ServerContext = {
      store: options.store,
      service,
      directory: options.directory,
      specs: new SpecCache(options.store),
      queue,
      feed,
      running: new RunningRuns(),
      secrets: options.secrets ?? [],
      connectorEnv: options.connectorEnv ?? process.env,
      retryBaseMs: options.retryBaseMs ?? 30_000,
      prepareSource: rateLimits.prepareSource,
      onRunEvent: metrics.onRunEvent,
      log: options.log,
    };
    try {
      await feed.start();
    } catch (error) {
      await queue.close().catch(() => {});
      await bucketPool.end().catch(() => {});
      throw error;
    }
    const onFatal = options.onFatal ?? ((error: Error) => options.log('error', `the workers stopped: ${errorMessage(error)}`));
    return new Runtime(context, rateLimits, metrics, bucketPool, options.reapEveryMs ?? 5000, onFatal);
  }

  /** Starts `concurrency` workers in this process, and the reaper. */
  async startWorkers(concurrency: number): Promise<void> {
    await this.context.running.start(this.context);
    await this.context.queue.startWorkers(concurrency, taskList(this.context), this.#onFatal);
    this.#reap();
    this.#reaper = setInterval(() => this.#reap(), this.#reapEveryMs);
  }

  #reap(): void {
    this.#reaping = this.#reaping.then(async () => {
      const { service, queue, log } = this.context;
      try {
        for (const dead of await service.findDeadRuns()) {
          const run = await service.requeueRun(dead.id, 'dead');
          if (!run) continue;
          await queue.addRun(run.id, { takeover: run.takeovers });
          log('warn', `run ${run.id} of ${run.pipelineId} lost its worker: queued again (takeover ${run.takeovers}); it resumes from its last checkpoint`);
        }
        // A tick's job held by a worker that died stays locked for hours: queue the tick again.
        // (Said once per overdue tick: while every worker is busy, a tick waits and stays overdue.)
        const overdue = new Set(await service.overdueSchedules(SCHEDULE_GRACE_MS));
        for (const pipelineId of overdue) {
          await queue.addScheduledRun(pipelineId, new Date());
          if (!this.#overdue.has(pipelineId)) log('warn', `pipeline ${pipelineId}: its scheduled tick is over 2 minutes late; queued it again`);
        }
        this.#overdue = overdue;
      } catch (error) {
        log('warn', `cannot look for runs whose worker died: ${errorMessage(error)}`);
      }
    });
  }

  /**
   * Stops: the runs of this process are released (each stops at its last checkpoint and goes back to
   * the queue for another worker), then the workers, the feed and the queue's connections.
   */
  async close(): Promise<void> {
    clearInterval(this.#reaper);
    await this.#reaping;
    this.context.running.releaseAll();
    this.context.feed.abortAll();
    await this.context.queue.close().catch(() => {});
    await this.context.feed.close().catch(() => {});
    await this.context.running.close().catch(() => {});
    await this.#bucketPool.end().catch(() => {});
  }
}
