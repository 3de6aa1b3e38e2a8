/**
 * What happens after a run of a worker ends (issue 16):
 * - stopped because its worker is shutting down: queued again, for another worker to take over from
 *   the last acknowledged state (`takeovers` + 1);
 * - stopped at its time limit: a `continuation` run is queued at once and resumes from the last
 *   committed checkpoint;
 * - failed with an Airbyte `failure_type` of `transient_error` or `system_error` (a `config_error`
 *   would fail again): a `retry` run (attempt n + 1) is queued after an exponential backoff with
 *   jitter, up to the pipeline's `max_attempts`.
 */
import type { SyncResult } from '@sync/engine';
import { ConflictError, type ServiceRunRecord, type StoredPipeline } from '@sync/state-postgres';
import type { ServerContext } from './context.ts';
import type { StopReason } from './running-runs.ts';

/** Failure types worth another attempt (Airbyte protocol, AirbyteTraceMessage `failure_type`). */
const RETRIED = new Set(['transient_error', 'system_error']);
/** Longest wait before a retry, ms. */
const MAX_BACKOFF_MS = 15 * 60_000;

/** Wait before attempt `attempt + 1`: base × 2^(attempt − 1), at most 15 min, plus up to a quarter of jitter. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1)) * (1 + Math.random() * 0.25);
}

/** What followed a run: the run queued after it, and what the event stream should say. */
export interface Followed {
  /** The run was queued again (released): it has not finished. */
  requeued?: boolean;
  nextRunId?: string;
  nextRunAt?: Date;
  note?: string;
}

/**
 * Queues what follows `run` given how it ended.
 *
 * @throws Error from the store or the queue.
 */
export async function followRun(
  context: ServerContext,
  pipeline: StoredPipeline,
  run: ServiceRunRecord,
  result: SyncResult,
  reason: StopReason | undefined,
): Promise<Followed> {
  if (reason === 'release') {
    const again = await context.service.requeueRun(run.id, 'released');
    if (again) {
      await context.queue.addRun(run.id, { takeover: again.takeovers });
      return { requeued: true, note: `the worker stopped; run ${run.id} is queued again and resumes from its last checkpoint` };
    }
    return {};
  }
  if (result.status === 'succeeded' || reason === 'cancel' || run.kind !== 'sync') return {};
  if (reason === 'time-limit') {
    const limit = pipeline.operations.maxDurationSeconds;
    const next = await queueAfter(context, run, { trigger: 'continuation', attempt: run.attempt });
    const note = `stopped at its time limit (${limit} s) at its last checkpoint${next ? `; run ${next.id} continues from there` : ''}`;
    await context.service.setRunError(run.id, note);
    return { ...(next ? { nextRunId: next.id } : {}), note };
  }
  const failureType = result.failure?.failureType;
  if (!failureType || !RETRIED.has(failureType) || run.attempt >= pipeline.operations.maxAttempts) return {};
  const runAt = new Date(Date.now() + retryDelayMs(run.attempt, context.retryBaseMs));
  const next = await queueAfter(context, run, { trigger: 'retry', attempt: run.attempt + 1 }, runAt);
  return next ? { nextRunId: next.id, nextRunAt: runAt, note: `attempt ${run.attempt + 1} of ${pipeline.operations.maxAttempts} at ${runAt.toISOString()}` } : {};
}

async function queueAfter(
  context: ServerContext,
  run: ServiceRunRecord,
  origin: { trigger: 'retry' | 'continuation'; attempt: number },
  runAt?: Date,
): Promise<ServiceRunRecord | undefined> {
  try {
    const next = await context.service.enqueueRun(run.pipelineId, 'sync', run.request, { ...origin, previousRunId: run.id });
    await context.queue.addRun(next.id, runAt ? { runAt } : {});
    return next;
  } catch (error) {
    // Someone queued a run of the pipeline meanwhile: that one will do.
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}
