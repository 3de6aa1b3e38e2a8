/**
 * `sync worker`: executes queued runs (and webhook deliveries, scheduled ticks) from the same
 * graphile-worker queue as `sync serve`, with no HTTP API, on any machine that reaches the database.
 */
import { Runtime, type RuntimeOptions } from './runtime.ts';

export interface WorkerOptions extends RuntimeOptions {
  /** Runs executed at once by this process; default 1. */
  concurrency?: number;
}

/** A started worker. */
export interface RunningWorker {
  /** Releases its runs (each goes back to the queue from its last checkpoint) and stops. */
  close(): Promise<void>;
}

/** Starts a worker. @throws Error from Postgres. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const runtime = await Runtime.open(options);
  try {
    await runtime.startWorkers(options.concurrency ?? 1);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return { close: () => runtime.close() };
}
