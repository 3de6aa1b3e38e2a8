/**
 * `sync run --server URL --pipeline ID`: starts a run of a pipeline stored on a `sync serve`
 * (`POST /pipelines/{id}/runs`), follows its events (`GET /runs/{id}/events`, resumed after a dropped
 * connection) into the same log lines and progress view as a local run, and prints the same summary.
 * Ctrl-C asks the server to cancel the run (`POST /runs/{id}/cancel`; committed checkpoints are kept)
 * and waits for it to end; a second Ctrl-C stops following at once, the cancel still under way.
 */
import { ApiError, bodyOf, createSyncClient, followRunEvents, type SyncClient } from '@sync/api-client';
import { errorMessage } from '@sync/engine';
import { LOG_FORMATS, LOG_LEVELS, RunLog, type LogFormat, type LogLevel } from '../logs/run-log.ts';
import type { InkProgress } from '../progress/ink-progress.ts';
import { summary } from '../render-plain.ts';
import { UserError } from '../user-error.ts';
import { oneOf, SHOWN_BY_VIEW, wantsInk } from '../commands/run-action.ts';
import type { runArgs } from '../commands/run.ts';
import type { ParsedArgs } from 'citty';
import { serverAccess } from './server-access.ts';
import { WireEventReader, type RemoteOutcome } from './wire-events.ts';

/** Flags of `sync run` that set up a local run: the stored pipeline decides them on a server. */
const LOCAL_ONLY = ['source', 'dest', 'source-config', 'dest-config', 'dest-mode', 'refresh-catalog', 'pass-env', 'command-timeout', 'source-idle-timeout', 'destination-idle-timeout'] as const;

/** Asks the server to cancel the run; a run that already ended (409) needs nothing. */
async function requestCancel(client: SyncClient, runId: string, log: RunLog, server: string): Promise<void> {
  log.message('warn', `interrupted: cancelling run ${runId} on ${server}; committed checkpoints are kept (Ctrl-C again to stop following it)`);
  try {
    await client.POST('/runs/{id}/cancel', { params: { path: { id: runId } } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) return;
    log.message('error', `cannot cancel run ${runId}: ${errorMessage(error)}`);
  }
}

/**
 * Runs pipeline `--pipeline` on the server at `server` and follows it to its end.
 *
 * @throws UserError for a missing --pipeline, a flag of a local run, a failed or cancelled run (its
 *   masked error), or a second Ctrl-C; ApiError for what the server refuses (404 no such pipeline,
 *   409 a run in progress).
 */
export async function remoteRunAction(args: ParsedArgs<typeof runArgs>, server: string): Promise<void> {
  const local = LOCAL_ONLY.filter((flag) => args[flag] !== undefined && args[flag] !== false);
  if (local.length > 0) {
    throw new UserError(`${local.map((f) => `--${f}`).join(', ')} cannot be used with --server: the pipeline stored on the server decides them (sync pipelines show ID)`);
  }
  const pipelineId = args.pipeline;
  if (!pipelineId) throw new UserError('--server needs --pipeline ID: the stored pipeline to run (sync pipelines list --server URL)');
  const format = oneOf<LogFormat>('--log-format', args['log-format'] ?? process.env.SYNC_LOG_FORMAT ?? 'pretty', LOG_FORMATS);
  const level = oneOf<LogLevel>('--log-level', args['log-level'] ?? process.env.SYNC_LOG_LEVEL ?? 'info', LOG_LEVELS);
  const access = await serverAccess(server, process.env);
  const client = createSyncClient(access);
  const pipeline = bodyOf(await client.GET('/pipelines/{id}', { params: { path: { id: pipelineId } } }));
  let ink: InkProgress | undefined;
  const log = new RunLog({
    format,
    level,
    pipeline: pipelineId,
    source: pipeline.source.name,
    destination: pipeline.destination.name,
    write: (line, record) => {
      if (!ink) process.stderr.write(`${line}\n`);
      else if (!SHOWN_BY_VIEW.has(record.event)) ink.log(line);
    },
  });
  const streams = args.streams?.split(',').map((s) => s.trim()).filter(Boolean);
  const started = performance.now();
  const run = bodyOf(
    await client.POST('/pipelines/{id}/runs', {
      params: { path: { id: pipelineId } },
      body: { ...(args['full-refresh'] ? { full_refresh: true } : {}), ...(streams && streams.length > 0 ? { streams } : {}) },
    }),
  );
  log.message('info', `run ${run.id} of pipeline ${pipelineId} queued on ${access.baseUrl}`);
  const stopFollowing = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) void requestCancel(client, run.id, log, access.baseUrl);
    else stopFollowing.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    if (wantsInk(Boolean(args.plain), format, process.env)) ink = (await import('../progress/ink-progress.ts')).startInkProgress(process.stderr);
    const reader = new WireEventReader(run.id, pipelineId);
    let outcome: RemoteOutcome | undefined;
    try {
      for await (const wire of followRunEvents(access.baseUrl, access.token, run.id, { signal: stopFollowing.signal })) {
        if (wire.type === 'run_finished') {
          outcome = reader.outcome(wire, performance.now() - started);
          break;
        }
        const event = reader.syncEvent(wire);
        if (!event) continue;
        log.onEvent(event);
        ink?.onEvent(event);
      }
    } catch (error) {
      if (stopFollowing.signal.aborted) {
        throw new UserError(`stopped following run ${run.id}; its cancel goes on on the server, which keeps the committed checkpoints (sync pipelines show ${pipelineId} --server ${access.baseUrl})`);
      }
      throw error;
    }
    if (!outcome) throw new Error(`the events of run ${run.id} ended without run_finished`);
    const { result, status } = outcome;
    await ink?.finish(result);
    ink = undefined;
    const failure = result.failure?.message;
    log.logger[status === 'succeeded' ? 'info' : 'error'](
      {
        connector: null,
        stream: null,
        event: 'run_finished',
        status,
        duration_ms: result.durationMs,
        streams: result.streams,
        ...(result.failure ? { error: failure, failure_type: result.failure.failureType, origin: result.failure.origin } : {}),
      },
      `run ${result.runId} ${status}`,
    );
    if (Object.keys(result.streams).length > 0) process.stdout.write(`${summary(result)}\n`);
    if (failure !== undefined) throw new UserError(failure);
  } finally {
    await ink?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
