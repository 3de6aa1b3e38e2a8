/**
 * The run queue on graphile-worker (jobs in Postgres, schema `graphile_worker`): `POST …/runs` adds a
 * job, and workers (in `sync serve`, later `sync worker`) take them. A job names a run recorded as
 * `queued` in the state store; the store's one-active-run-per-pipeline index and the engine's pipeline
 * lock keep one run at a time per pipeline, whatever the number of workers, so jobs need no named
 * queue (whose lock a dead worker would hold for hours).
 */
import { Logger, makeWorkerUtils, run, type LogFunctionFactory, type Runner, type TaskList, type WorkerUtils } from 'graphile-worker';

/** Job that executes one queued run: payload `{run_id}`. */
export const RUN_TASK = 'sync_run';
/** Job that applies a pipeline's pending Stripe webhook deliveries: payload `{pipeline_id}`. */
export const WEBHOOK_TASK = 'stripe_webhooks';
/** Job of a pipeline's next scheduled tick: payload `{pipeline_id}`. */
export const SCHEDULE_TASK = 'scheduled_run';

/** graphile-worker's lines, routed to the server's log (its own default prints to the console). */
function workerLogger(log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void): Logger {
  const factory: LogFunctionFactory = () => (level, message) => {
    // Its info lines (a worker started, a job done) are the server's debug lines.
    log(level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug', `queue: ${message}`);
  };
  return new Logger(factory);
}

export interface RunQueueOptions {
  connectionString: string;
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** The queue: adding jobs, and the in-process workers when started. */
export class RunQueue {
  readonly #options: RunQueueOptions;
  readonly #utils: WorkerUtils;
  #runner: Runner | undefined;
  #closing = false;

  private constructor(options: RunQueueOptions, utils: WorkerUtils) {
    this.#options = options;
    this.#utils = utils;
  }

  /**
   * Connects and creates or upgrades graphile-worker's schema.
   *
   * @throws Error from Postgres.
   */
  static async open(options: RunQueueOptions): Promise<RunQueue> {
    const utils = await makeWorkerUtils({ connectionString: options.connectionString, logger: workerLogger(options.log) });
    try {
      await utils.migrate();
    } catch (error) {
      await utils.release();
      throw error;
    }
    return new RunQueue(options, utils);
  }

  /**
   * Queues the job of a run recorded as `queued`, to start at `runAt` (default now). A start that fails
   * before the run starts is tried again (10 attempts, graphile-worker's backoff). `takeover` numbers
   * the jobs of a run queued again after its worker died, whose first job may still be locked.
   */
  async addRun(runId: string, options: { runAt?: Date; takeover?: number } = {}): Promise<void> {
    await this.#utils.addJob(RUN_TASK, { run_id: runId }, {
      jobKey: options.takeover ? `run:${runId}:${options.takeover}` : `run:${runId}`,
      maxAttempts: 10,
      ...(options.runAt ? { runAt: options.runAt } : {}),
    });
  }

  /** Queues (replacing the one queued) the job of a pipeline's next scheduled tick. */
  async addScheduledRun(pipelineId: string, runAt: Date): Promise<void> {
    await this.#utils.addJob(SCHEDULE_TASK, { pipeline_id: pipelineId }, { jobKey: `schedule:${pipelineId}`, jobKeyMode: 'replace', runAt, maxAttempts: 5 });
  }

  /** Removes the pipeline's scheduled tick, if one is queued. */
  async removeSchedule(pipelineId: string): Promise<void> {
    await this.#utils.withPgClient((client) => client.query('SELECT graphile_worker.remove_job($1)', [`schedule:${pipelineId}`]));
  }

  /** Queues (once: a pending job is replaced) the application of a pipeline's pending webhook deliveries. */
  async addWebhooks(pipelineId: string): Promise<void> {
    await this.#utils.addJob(WEBHOOK_TASK, { pipeline_id: pipelineId }, { jobKey: `webhooks:${pipelineId}`, jobKeyMode: 'replace', maxAttempts: 25 });
  }

  /**
   * Starts `concurrency` workers in this process on `tasks`. `onStopped` is called if they stop by
   * themselves (graphile-worker gives up when it cannot record a job's end, e.g. across a database
   * restart); not when `close` stops them.
   */
  async startWorkers(concurrency: number, tasks: TaskList, onStopped: (error: Error) => void): Promise<void> {
    const runner = await run({
      connectionString: this.#options.connectionString,
      concurrency,
      taskList: tasks,
      noHandleSignals: true,
      pollInterval: 2000,
      logger: workerLogger(this.#options.log),
    });
    this.#runner = runner;
    runner.promise.then(
      () => {
        if (this.#runner === runner && !this.#closing) onStopped(new Error('the job queue workers stopped'));
      },
      (error: unknown) => {
        if (!this.#closing) onStopped(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** Stops the workers (their running jobs get their abort signal) and releases the connections. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#runner?.stop().catch(() => {});
    await this.#utils.release();
  }
}
