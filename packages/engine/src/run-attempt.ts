/**
 * One read of the source into the destination: spawn `source read` and `destination write`, pipe one
 * into the other (pipe-source.ts), persist what the destination acknowledges (read-acknowledgements.ts),
 * and say how it ended. A run makes one attempt, or two when the destination reports that it lost
 * what saved states claim (run-sync.ts).
 *
 * How the destination learns that its input ended (input abort, `@sync/connector-kit` input-abort.ts): when
 * the source ended cleanly (its output ended, exit 0, no TRACE ERROR), the destination's stdin is simply
 * closed, and it commits what it holds. When the source failed in any way (TRACE ERROR, non-zero exit,
 * killed, idle timeout, invalid output, the run interrupted), the engine first writes a TRACE ERROR to
 * the destination's stdin, the source's own or one it makes with the reason, so the destination commits
 * nothing after the last STATE it acknowledged. The engine still persists every acknowledgement the
 * destination sends before it exits, and reports the source's failure as the run's.
 */
import type { FailureType, MessageOf } from '@sync/protocol';
import { errorMessage } from './errors.ts';
import { CheckpointLedger } from './checkpoint-ledger.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { describeExit, spawnConnector, type ConnectorExit, type ConnectorProcess } from './connector-process.ts';
import { formatDuration } from './duration.ts';
import type { ConnectorRole } from './connector-command.ts';
import type { StreamResult, SyncEvent, SyncFailure } from './events.ts';
import type { RunStore } from './run-store.ts';
import { IdleTimer } from './idle-timer.ts';
import { DestinationGone, pipeSource, type SourceErrorTrace } from './pipe-source.ts';
import { CheckpointNotSaved, readAcknowledgements, type DestinationErrorTrace } from './read-acknowledgements.ts';
import { FirstFailure, type RunContext } from './run-context.ts';
import { ABORT_GRACE_MS, type RunTimeouts } from './timeouts.ts';

export interface AttemptOptions {
  runId: string;
  pipelineId: string;
  store: RunStore;
  /** Per-stream counts, updated in place. */
  streams: Record<string, StreamResult>;
  /** Count disagreements, appended to. */
  mismatches: string[];
  emit: (event: SyncEvent) => void;
  /** The config each connector was started with, with saved changes applied. */
  configs: Record<ConnectorRole, Record<string, unknown>>;
  source: ConnectorCommand;
  destination: ConnectorCommand;
  /** `read --config F --catalog F [--state F] [<source input option> F]`. */
  sourceArgs: readonly string[];
  /** `write --config F --catalog F`. */
  destinationArgs: readonly string[];
  /** Top-level fields kept per stream with a field selection; records of other streams are forwarded unchanged. */
  fields?: ReadonlyMap<string, ReadonlySet<string>>;
  env?: NodeJS.ProcessEnv;
  timeouts: RunTimeouts;
  signal?: AbortSignal;
}

export interface AttemptResult {
  /** Why the attempt failed; undefined when it succeeded. */
  failure?: SyncFailure;
  /**
   * Streams the destination no longer holds the saved state's data of (its checkpoint-missing TRACE
   * ERROR, `@sync/protocol` checkpoint-missing.ts); `failure` is then that error.
   */
  missing?: string[];
}

/** Runs one attempt to the end; never throws (a failure is in the result). */
export async function runAttempt(options: AttemptOptions): Promise<AttemptResult> {
  const { emit } = options;
  const stderrTo = (role: ConnectorRole, connector: string) => (line: string) => emit({ type: 'stderr', role, connector, line });
  const source = spawnConnector(options.source, {
    args: options.sourceArgs,
    stdin: 'ignore',
    onStderr: stderrTo('source', options.source.name),
    ...(options.env ? { env: options.env } : {}),
  });
  const destination = spawnConnector(options.destination, {
    args: options.destinationArgs,
    stdin: 'pipe',
    onStderr: stderrTo('destination', options.destination.name),
    ...(options.env ? { env: options.env } : {}),
  });

  const failures = new FirstFailure();
  const idle: Record<ConnectorRole, IdleTimer> = {
    source: new IdleTimer(options.timeouts.sourceIdleMs, () => {
      failures.add(
        `${source.command.name} sent nothing for ${formatDuration(options.timeouts.sourceIdleMs)} ` +
          '(source idle timeout): it may be stuck; raise the limit with --source-idle-timeout if it is only slow',
        'transient_error',
        'source',
      );
      source.kill();
    }),
    destination: new IdleTimer(options.timeouts.destinationIdleMs, () => {
      failures.add(
        `${destination.command.name} neither read its input nor answered for ${formatDuration(options.timeouts.destinationIdleMs)} ` +
          '(destination idle timeout): it may be stuck; raise the limit with --destination-idle-timeout if it is only slow',
        'transient_error',
        'destination',
      );
      destination.kill();
    }),
  };
  const context: RunContext = {
    runId: options.runId,
    pipelineId: options.pipelineId,
    store: options.store,
    streams: options.streams,
    mismatches: options.mismatches,
    ledger: new CheckpointLedger(),
    failures,
    emit,
    configs: options.configs,
    fields: options.fields ?? new Map(),
    source,
    destination,
    idle,
  };

  // Interrupted: the source stops; the destination hears why from the TRACE ERROR the pump sends it,
  // commits nothing more and exits, keeping every acknowledged checkpoint. It is killed if it lingers.
  let grace: NodeJS.Timeout | undefined;
  const onAbort = () => {
    failures.add('the run was interrupted', 'transient_error', 'engine');
    source.kill();
    grace = setTimeout(() => destination.kill(), ABORT_GRACE_MS);
    grace.unref();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let sourceDone = false;
  const destinationDown = new AbortController();
  void destination.exited.then(() => {
    destinationDown.abort();
    if (!sourceDone) source.kill();
  });

  let sourceTrace: SourceErrorTrace | undefined;
  let destinationError: DestinationErrorTrace | undefined;

  const pump = (async (): Promise<ConnectorExit> => {
    try {
      await pipeSource(context, destinationDown.signal, (e) => (sourceTrace ??= e));
    } catch (error) {
      if (!(error instanceof DestinationGone)) {
        failures.add(errorMessage(error), 'system_error', 'source');
        source.kill();
      }
    }
    // The source's output ended; it must exit too, within its idle timeout.
    idle.source.arm();
    const exit = await source.exited;
    idle.source.stop();
    sourceDone = true;
    const stdin = destination.stdin!;
    if (!destinationDown.signal.aborted) {
      const abort = upstreamAbort(source, exit, sourceTrace, failures);
      if (abort) stdin.write(`${abort}\n`);
    }
    stdin.end();
    // From here the engine waits for the destination to commit and exit.
    if (!destinationDown.signal.aborted) idle.destination.arm();
    return exit;
  })();

  const acks = readAcknowledgements(context, (e) => (destinationError ??= e)).catch((error: unknown) => {
    failures.add(errorMessage(error), 'system_error', error instanceof CheckpointNotSaved ? 'engine' : 'destination');
    source.kill();
    destination.kill();
  });

  const [sourceExit, destinationExit] = await Promise.all([pump, destination.exited]);
  await acks;
  idle.destination.stop();
  clearTimeout(grace);
  options.signal?.removeEventListener('abort', onAbort);

  // A destination that lost the saved states' data says so before reading any input: that is the cause.
  if (destinationError?.missing) {
    return { failure: fromTrace(destination, destinationError, 'destination'), missing: destinationError.missing };
  }
  if (failures.value) return { failure: failures.value };
  if (sourceTrace) return { failure: fromTrace(source, sourceTrace, 'source') };
  if (destinationError) return { failure: fromTrace(destination, destinationError, 'destination') };
  if (destinationExit.exitCode !== 0) return { failure: exitFailure(destination, destinationExit, 'destination') };
  if (sourceExit.exitCode !== 0) return { failure: exitFailure(source, sourceExit, 'source') };
  return {};
}

/**
 * The TRACE ERROR line to send the destination before closing its stdin, or undefined when the source
 * ended cleanly. The source's failure becomes the run's first failure (the destination's own error
 * after the abort is its consequence): the failure already recorded (invalid output, idle timeout,
 * interruption), else the source's TRACE ERROR (forwarded as the source sent it), else its exit.
 */
function upstreamAbort(
  source: ConnectorProcess,
  exit: ConnectorExit,
  sourceTrace: SourceErrorTrace | undefined,
  failures: FirstFailure,
): string | undefined {
  if (!failures.value) {
    if (sourceTrace) {
      const failure = fromTrace(source, sourceTrace, 'source');
      failures.add(failure.message, failure.failureType, failure.origin);
      return sourceTrace.line;
    }
    if (exit.exitCode === 0) return undefined;
    const failure = exitFailure(source, exit, 'source');
    failures.add(failure.message, failure.failureType, failure.origin);
  }
  const first = failures.value!;
  const trace: MessageOf<'TRACE'> = {
    type: 'TRACE',
    trace: { type: 'ERROR', emitted_at: Date.now(), error: { message: first.message, failure_type: first.failureType } },
  };
  return JSON.stringify(trace);
}

function fromTrace(child: ConnectorProcess, trace: { message: string; failureType: FailureType }, origin: ConnectorRole): SyncFailure {
  return { message: `${child.command.name}: ${trace.message}`, failureType: trace.failureType, origin };
}

function exitFailure(child: ConnectorProcess, exit: ConnectorExit, origin: ConnectorRole): SyncFailure {
  const last = child.stderrTail().at(-1);
  return {
    message: `${child.command.name} ${describeExit(exit)}${last ? ` (last stderr line: ${last})` : ''}`,
    failureType: 'system_error',
    origin,
  };
}
