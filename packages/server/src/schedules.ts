/**
 * Pipeline schedules (issue 16): a cron expression in a time zone, with jitter. One graphile-worker job
 * per scheduled pipeline (job key `schedule:<id>`, replaced whenever the schedule changes) waits for
 * the next tick. When it fires, it queues a run unless one of the pipeline is queued or running (a
 * scheduled run never overlaps the previous one: that tick is skipped), then waits for the next tick
 * after now. So ticks missed while no worker ran (or while a run went on) add up to one run, not one
 * per tick.
 */
import { Cron } from 'croner';
import { errorMessage } from '@sync/engine';
import { ConflictError, type PipelineSchedule } from '@sync/state-postgres';
import type { ServerContext } from './context.ts';
import { HttpProblem } from './problem.ts';

/**
 * The first tick of `schedule` after `from`, without jitter; undefined when the expression has no
 * more ticks.
 *
 * @throws Error when the expression or the time zone is invalid (croner's message).
 */
export function nextTick(schedule: Pick<PipelineSchedule, 'cron' | 'timezone'>, from: Date): Date | undefined {
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  return cron.nextRun(from) ?? undefined;
}

/**
 * Checks a schedule from a request.
 *
 * @throws HttpProblem 400 naming `/schedule/cron` or `/schedule/timezone`.
 */
export function checkSchedule(schedule: PipelineSchedule): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: schedule.timezone });
  } catch {
    throw new HttpProblem(400, 'invalid-request', `schedule.timezone ${JSON.stringify(schedule.timezone)} is not an IANA time zone (e.g. UTC, Europe/Paris)`, {
      errors: [{ path: '/schedule/timezone', in: 'body', message: 'not an IANA time zone' }],
    });
  }
  try {
    if (!nextTick(schedule, new Date())) throw new Error('it never fires again');
  } catch (error) {
    throw new HttpProblem(400, 'invalid-request', `schedule.cron ${JSON.stringify(schedule.cron)} is not a cron expression that fires: ${errorMessage(error)}`, {
      errors: [{ path: '/schedule/cron', in: 'body', message: errorMessage(error) }],
    });
  }
}

/**
 * Queues the pipeline's next scheduled tick (with its jitter) after `from`, or removes it when the
 * pipeline has no schedule; records `next_run_at`.
 */
export async function scheduleNext(context: ServerContext, pipelineId: string, from = new Date()): Promise<void> {
  const pipeline = await context.service.getPipeline(pipelineId);
  const schedule = pipeline?.operations.schedule;
  const tick = schedule ? nextTick(schedule, from) : undefined;
  if (!pipeline || !schedule || !tick) {
    await context.queue.removeSchedule(pipelineId);
    if (pipeline) await context.service.setNextRunAt(pipelineId, null);
    return;
  }
  const at = new Date(tick.getTime() + Math.floor(Math.random() * schedule.jitterSeconds * 1000));
  await context.queue.addScheduledRun(pipelineId, at);
  await context.service.setNextRunAt(pipelineId, at);
}

/** The scheduled job: a run now, unless one is queued or running; then the next tick. */
export async function runScheduled(context: ServerContext, pipelineId: string): Promise<void> {
  const pipeline = await context.service.getPipeline(pipelineId);
  if (!pipeline?.operations.schedule || !pipeline.configStored) return;
  try {
    const run = await context.service.enqueueRun(pipelineId, 'sync', {}, { trigger: 'schedule' });
    await context.queue.addRun(run.id);
    context.log('info', `pipeline ${pipelineId}: scheduled run ${run.id} queued`);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    context.log('info', `pipeline ${pipelineId}: scheduled tick skipped, ${error.message}`);
  }
  await scheduleNext(context, pipelineId);
}
