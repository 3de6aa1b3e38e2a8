/**
 * What a worker does with a job: execute a queued run with the engine (`runSync`, as `sync run` does),
 * writing its events to the store as it goes, then queue what follows it (run-outcome.ts); apply a
 * pipeline's pending Stripe webhook deliveries as a run of kind `webhook`; or fire a pipeline's
 * scheduled tick (schedules.ts). Cancels arrive as `NOTIFY sync_run_cancel` (any server may take the
 * request) and abort the run: the engine stops the connectors and keeps every committed state.
 */
import { errorMessage, runSync, type StreamConfig, type SyncResult } from '@sync/engine';
import { RunNotQueuedError, type ServiceRunRecord, type StoredPipeline } from '@sync/state-postgres';
import type { Task, TaskList } from 'graphile-worker';
import { connectorCommand } from './connectors.ts';
import { RunEventWriter } from './event-log.ts';
import { RUN_TASK, SCHEDULE_TASK, WEBHOOK_TASK } from './queue.ts';
import type { ServerContext } from './context.ts';
import { followRun } from './run-outcome.ts';
import { runScheduled } from './schedules.ts';
import { eventForWire } from './wire.ts';

function streamsOf(pipeline: StoredPipeline, only: readonly string[] | undefined): { streamConfigs?: StreamConfig[]; streams?: string[] } {
  if (pipeline.streams) {
    const configs = pipeline.streams.filter((s) => !only || only.includes(s.name));
    return { streamConfigs: configs };
  }
  return only ? { streams: [...only] } : {};
}

/**
 * Executes one queued run to its end. A run that is no longer queued (cancelled meanwhile) is skipped.
 *
 * @throws Error when the run cannot start (its pipeline is held by another run, the store is down):
 *   graphile-worker tries the job again later; the run stays queued.
 */
export async function executeRun(context: ServerContext, run: ServiceRunRecord, extra: { sourceInput?: { option: string; lines: readonly string[] }; sourceConfig?: (config: Record<string, unknown>) => Record<string, unknown> } = {}, workerSignal?: AbortSignal): Promise<SyncResult | undefined> {
  const pipeline = await context.service.getPipeline(run.pipelineId);
  if (!pipeline?.configStored) throw new Error(`run ${run.id}: pipeline ${run.pipelineId} has no stored config`);
  const source = connectorCommand(context.directory, 'source', pipeline.source.name);
  const destination = connectorCommand(context.directory, 'destination', pipeline.destination.name);
  const runConfig = context.directory.runConfig ?? (async (_r, _n, config) => config);
  let sourceConfig = await runConfig('source', pipeline.source.name, pipeline.source.config);
  if (extra.sourceConfig) sourceConfig = extra.sourceConfig(sourceConfig);
  const destinationConfig = await runConfig('destination', pipeline.destination.name, pipeline.destination.config);
  const prepared = context.prepareSource ? await context.prepareSource(pipeline, sourceConfig) : { config: sourceConfig, release: async () => {} };
  sourceConfig = prepared.config;
  const limitSeconds = run.kind === 'sync' ? pipeline.operations.maxDurationSeconds : undefined;
  const signal = context.running.begin(run.id, limitSeconds === undefined ? undefined : limitSeconds * 1000);
  const onWorkerStop = () => context.running.stop(run.id, 'release');
  workerSignal?.addEventListener('abort', onWorkerStop, { once: true });
  // A run taken over after its worker died numbers its events after the ones already kept.
  const firstSeq = run.takeovers > 0 ? await context.service.lastRunEventSeq(run.id) : 0;
  const events = new RunEventWriter(context.service, run.id, firstSeq, (error) => context.log('warn', `run ${run.id}: cannot save its events: ${errorMessage(error)}`));
  let ended = false;
  try {
    const result = await runSync({
      pipelineId: pipeline.id,
      runId: run.id,
      source,
      sourceConfig,
      destination,
      destinationConfig,
      store: context.store,
      ...streamsOf(pipeline, run.request.streams),
      fullRefresh: Boolean(run.request.fullRefresh),
      ...(extra.sourceInput ? { sourceInput: extra.sourceInput } : {}),
      secrets: context.secrets,
      env: context.connectorEnv,
      signal,
      onEvent: (event) => {
        const wire = eventForWire(event as unknown as { type: string } & Record<string, unknown>);
        context.onRunEvent?.(pipeline.id, wire as { type: string } & Record<string, unknown>);
        events.push(wire);
      },
    });
    ended = true;
    const reason = context.running.end(run.id);
    const followed = await followRun(context, pipeline, run, result, reason);
    const after = await context.service.getServiceRun(run.id);
    const status = followed.requeued ? 'queued' : (after?.status ?? result.status);
    if (followed.requeued) {
      events.push({ type: 'run_released', message: followed.note });
    } else {
      events.push({
        type: 'run_finished',
        status,
        error: after?.error ?? result.failure?.message ?? null,
        ...(result.failure ? { failure_type: result.failure.failureType, origin: result.failure.origin } : {}),
        duration_ms: result.durationMs,
        streams: Object.fromEntries(
          Object.entries(result.streams).map(([name, s]) => [name, { records_read: s.recordsRead, records_committed: s.recordsCommitted, status: s.status }]),
        ),
        ...(followed.nextRunId ? { next_run_id: followed.nextRunId } : {}),
        ...(followed.nextRunAt ? { next_run_at: followed.nextRunAt.toISOString() } : {}),
      });
    }
    const detail = followed.note ?? result.failure?.message;
    context.log(result.failure ? 'warn' : 'info', `run ${run.id} of ${pipeline.id} ${status}${detail ? `: ${detail}` : ''}`);
    return result;
  } catch (error) {
    if (error instanceof RunNotQueuedError) return undefined;
    throw error;
  } finally {
    workerSignal?.removeEventListener('abort', onWorkerStop);
    if (!ended) context.running.end(run.id);
    await prepared.release().catch((error: unknown) => context.log('warn', `run ${run.id}: ${errorMessage(error)}`));
    await events.close();
  }
}

/** Applies every pending webhook delivery of a pipeline, in the order received, 1000 at a time. */
async function applyWebhooks(context: ServerContext, pipelineId: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    const deliveries = await context.service.pendingWebhookDeliveries(pipelineId, 1000);
    if (deliveries.length === 0 || signal.aborted) return;
    const run = await context.service.enqueueRun(pipelineId, 'webhook', {});
    let result: SyncResult | undefined;
    try {
      result = await executeRun(
        context,
        run,
        {
          // Verified on arrival (routes/webhooks.ts): the source gets the bare events, and no signing secret.
          sourceInput: { option: '--webhooks', lines: deliveries.map((d) => JSON.stringify(d.event)) },
          sourceConfig: ({ webhook_secret: _secret, ...rest }) => rest,
        },
        signal,
      );
    } catch (error) {
      // It never started (another run holds the pipeline): drop this run; the job is tried again later.
      await context.service.requestCancel(run.id).catch(() => {});
      throw error;
    }
    if (result?.status !== 'succeeded') throw new Error(`applying ${deliveries.length} webhook deliveries of ${pipelineId} failed (run ${run.id}): ${result?.failure?.message ?? 'not started'}`);
    await context.service.markWebhookDeliveriesApplied(
      deliveries.map((d) => d.id),
      run.id,
    );
  }
}

/** The worker's tasks. */
export function taskList(context: ServerContext): TaskList {
  const runTask: Task = async (payload, helpers) => {
    const { run_id: runId } = payload as { run_id: string };
    const run = await context.service.getServiceRun(runId);
    if (!run || run.status !== 'queued') return;
    await executeRun(context, run, {}, helpers.abortSignal);
  };
  const webhookTask: Task = async (payload, helpers) => {
    const { pipeline_id: pipelineId } = payload as { pipeline_id: string };
    await applyWebhooks(context, pipelineId, helpers.abortSignal ?? new AbortController().signal);
  };
  const scheduleTask: Task = async (payload) => {
    const { pipeline_id: pipelineId } = payload as { pipeline_id: string };
    await runScheduled(context, pipelineId);
  };
  return { [RUN_TASK]: runTask, [WEBHOOK_TASK]: webhookTask, [SCHEDULE_TASK]: scheduleTask };
}
