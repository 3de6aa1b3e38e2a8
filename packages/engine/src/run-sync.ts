/**
 * One sync run: discover the source's catalog, spawn the source (`read`) and the destination
 * (`write`), pipe one into the other with backpressure, and persist every STATE the destination
 * acknowledges, in order, as it arrives.
 *
 * Correctness argument (DESIGN.md): the destination re-emits a STATE only after every record before
 * it is committed, and only re-emitted states are persisted; the next run hands the last persisted
 * states back to the source. A crash anywhere therefore loses nothing: at worst, records after the
 * last acknowledged state are read again, and the destination's upsert makes that harmless.
 */
import { once } from 'node:events';
import {
  ConfigError,
  ProtocolError,
  configureCatalog,
  errorMessage,
  type AirbyteMessage,
  type ConfiguredAirbyteCatalog,
  type FailureType,
} from '@sync/protocol';
import { ConnectorFailure, discoverCatalog } from './call-connector.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { describeExit, spawnConnector, type ConnectorProcess } from './connector-process.ts';
import type { ConnectorRole, RunStore, StreamResult, SyncEvent, SyncFailure, SyncResult } from './events.ts';
import { createPrivateDir } from './private-dir.ts';

export interface SyncOptions {
  pipelineId: string;
  source: ConnectorCommand;
  sourceConfig: Record<string, unknown>;
  destination: ConnectorCommand;
  destinationConfig: Record<string, unknown>;
  store: RunStore;
  /** Streams to sync, in order; default every stream the source discovers. */
  streams?: readonly string[];
  /** Ignore committed state and read every stream from the beginning. */
  fullRefresh?: boolean;
  onEvent?: (event: SyncEvent) => void;
  /** Aborting kills both connectors and ends the run as failed; committed states stay. */
  signal?: AbortSignal;
  /** Environment for the connector processes (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

class DestinationGone extends Error {}

/** Keeps the first failure seen; later ones are consequences of it (a killed peer, a closed pipe). */
class FirstFailure {
  value: SyncFailure | undefined;
  add(message: string, failureType: FailureType, origin: SyncFailure['origin']): void {
    this.value ??= { message, failureType, origin };
  }
}

function errorTraceOf(message: AirbyteMessage): { message: string; failureType: FailureType } | undefined {
  if (message.type !== 'TRACE' || message.trace.type !== 'ERROR' || !message.trace.error) return undefined;
  return { message: message.trace.error.message, failureType: message.trace.error.failure_type ?? 'system_error' };
}

/**
 * Runs one sync and records it in `store`. Never throws for a failed sync: the result says what
 * failed. Throws only when the store itself cannot record the run's start.
 */
export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const startedAt = performance.now();
  const { store, pipelineId } = options;
  await store.ensurePipeline({ id: pipelineId, source: options.source.name, destination: options.destination.name });
  const run = await store.startRun(pipelineId);
  const streams: Record<string, StreamResult> = {};
  const dir = await createPrivateDir('sync-run-');
  let failure: SyncFailure | undefined;
  try {
    failure = await execute(options, run.id, dir.writeJson, streams);
  } catch (error) {
    const fromConnector = error instanceof ConnectorFailure;
    failure = {
      message: errorMessage(error),
      failureType: fromConnector ? error.failureType : error instanceof ConfigError ? 'config_error' : 'system_error',
      origin: fromConnector ? 'source' : 'engine',
    };
  } finally {
    await dir.remove();
  }
  if (failure) {
    for (const stream of Object.values(streams)) if (stream.status !== 'complete') stream.status = 'incomplete';
  }
  const status = failure ? 'failed' : 'succeeded';
  await store.finishRun(run.id, { status, ...(failure ? { error: failure.message } : {}), streams });
  return {
    runId: run.id,
    pipelineId,
    status,
    ...(failure ? { failure } : {}),
    streams,
    durationMs: Math.round(performance.now() - startedAt),
  };
}

async function execute(
  options: SyncOptions,
  runId: string,
  writeJson: (name: string, value: unknown) => Promise<string>,
  streams: Record<string, StreamResult>,
): Promise<SyncFailure | undefined> {
  const emit = options.onEvent ?? (() => {});
  const env = options.env;
  const sourceConfigPath = await writeJson('source-config.json', options.sourceConfig);
  const destinationConfigPath = await writeJson('destination-config.json', options.destinationConfig);

  const discovered = await discoverCatalog(options.source, sourceConfigPath, env);
  let catalog: ConfiguredAirbyteCatalog;
  try {
    catalog = configureCatalog(discovered, {
      ...(options.streams ? { streams: options.streams } : {}),
      ...(options.fullRefresh ? { fullRefresh: true } : {}),
    });
  } catch (error) {
    throw new ConfigError(`${options.source.name}: ${errorMessage(error)}`);
  }
  for (const { stream } of catalog.streams) streams[stream.name] = { recordsRead: 0, recordsCommitted: 0, status: 'pending' };
  const catalogPath = await writeJson('catalog.json', catalog);

  const state = options.fullRefresh ? [] : await options.store.loadState(options.pipelineId);
  const statePath = state.length > 0 ? await writeJson('state.json', state) : undefined;
  const resumed = state.flatMap((s) => {
    const name = s.stream?.stream_descriptor.name;
    return name && streams[name] ? [name] : [];
  });
  emit({ type: 'run_started', runId, pipelineId: options.pipelineId, catalog, resumed });

  const stderrTo = (role: ConnectorRole, connector: string) => (line: string) =>
    emit({ type: 'stderr', role, connector, line });
  const source = spawnConnector(options.source, {
    args: ['read', '--config', sourceConfigPath, '--catalog', catalogPath, ...(statePath ? ['--state', statePath] : [])],
    stdin: 'ignore',
    onStderr: stderrTo('source', options.source.name),
    ...(env ? { env } : {}),
  });
  const destination = spawnConnector(options.destination, {
    args: ['write', '--config', destinationConfigPath, '--catalog', catalogPath],
    stdin: 'pipe',
    onStderr: stderrTo('destination', options.destination.name),
    ...(env ? { env } : {}),
  });

  const failures = new FirstFailure();
  const onAbort = () => {
    failures.add('the run was interrupted', 'transient_error', 'engine');
    source.kill();
    destination.kill();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let sourceDone = false;
  const destinationDown = new AbortController();
  void destination.exited.then(() => {
    destinationDown.abort();
    if (!sourceDone) source.kill();
  });

  let sourceError: { message: string; failureType: FailureType } | undefined;
  let destinationError: { message: string; failureType: FailureType } | undefined;

  const pump = pipeSource(source, destination, destinationDown.signal, streams, emit, (e) => (sourceError ??= e))
    .catch((error: unknown) => {
      if (error instanceof DestinationGone) return; // reported from the destination's side
      failures.add(errorMessage(error), 'system_error', 'source');
      source.kill();
    })
    .finally(() => {
      sourceDone = true;
      destination.stdin?.end();
    });

  const acks = (async () => {
    for await (const { message } of destination.lines) {
      if (message.type === 'STATE') {
        try {
          await options.store.commitState(runId, options.pipelineId, message.state);
        } catch (error) {
          failures.add(`could not save a checkpoint to the state store: ${errorMessage(error)}`, 'system_error', 'engine');
          source.kill();
          destination.kill();
          return;
        }
        const name = message.state.stream?.stream_descriptor.name;
        const counts = name ? streams[name] : undefined;
        const committed = message.state.destinationStats?.recordCount ?? 0;
        if (name && counts) {
          counts.recordsCommitted += committed;
          emit({ type: 'checkpoint', stream: name, recordsCommitted: committed, totalCommitted: counts.recordsCommitted, totalRead: counts.recordsRead });
        }
      } else {
        destinationError ??= errorTraceOf(message);
        forwardInfo(message, 'destination', options.destination.name, emit);
      }
    }
  })().catch((error: unknown) => {
    failures.add(errorMessage(error), 'system_error', 'destination');
    source.kill();
    destination.kill();
  });

  const [sourceExit, destinationExit] = await Promise.all([source.exited, destination.exited]);
  await Promise.all([pump, acks]);
  options.signal?.removeEventListener('abort', onAbort);

  if (failures.value) return failures.value;
  if (sourceError) return { ...sourceError, message: `${options.source.name}: ${sourceError.message}`, origin: 'source' };
  if (destinationError) {
    return { ...destinationError, message: `${options.destination.name}: ${destinationError.message}`, origin: 'destination' };
  }
  if (destinationExit.exitCode !== 0) return exitFailure(destination, destinationExit, 'destination');
  if (sourceExit.exitCode !== 0) return exitFailure(source, sourceExit, 'source');
  return undefined;
}

function exitFailure(
  child: ConnectorProcess,
  exit: Awaited<ConnectorProcess['exited']>,
  origin: ConnectorRole,
): SyncFailure {
  const last = child.stderrTail().at(-1);
  return {
    message: `${child.command.name} ${describeExit(exit)}${last ? ` (last stderr line: ${last})` : ''}`,
    failureType: 'system_error',
    origin,
  };
}

function forwardInfo(
  message: AirbyteMessage,
  role: ConnectorRole,
  connector: string,
  emit: (event: SyncEvent) => void,
): void {
  if (message.type === 'LOG') {
    emit({ type: 'log', role, connector, level: message.log.level, message: message.log.message });
  } else if (message.type === 'CONTROL') {
    emit({ type: 'config_update', role, connector, config: message.control.connectorConfig.config });
  }
  // A TRACE ERROR is not echoed as a log: it becomes the run's failure, reported once.
}

/**
 * Copies RECORD and STATE lines from the source's stdout to the destination's stdin, unchanged,
 * waiting on `drain` so memory stays flat. Everything else is for the engine.
 *
 * @throws ProtocolError for a line that is not a valid message or a record of an unknown stream.
 * @throws DestinationGone when the destination exits while the source still has output.
 */
async function pipeSource(
  source: ConnectorProcess,
  destination: ConnectorProcess,
  destinationDown: AbortSignal,
  streams: Record<string, StreamResult>,
  emit: (event: SyncEvent) => void,
  onError: (error: { message: string; failureType: FailureType }) => void,
): Promise<void> {
  const stdin = destination.stdin!;
  const forward = async (line: string) => {
    if (destinationDown.aborted) throw new DestinationGone();
    if (stdin.write(`${line}\n`)) return;
    try {
      await once(stdin, 'drain', { signal: destinationDown });
    } catch {
      throw new DestinationGone();
    }
  };
  const known = Object.keys(streams);
  for await (const { lineNumber, line, message } of source.lines) {
    switch (message.type) {
      case 'RECORD': {
        const counts = streams[message.record.stream];
        if (!counts) {
          throw new ProtocolError(
            source.command.name,
            lineNumber,
            `record for stream '${message.record.stream}', which is not in the configured catalog (streams: ${known.join(', ')})`,
            line,
          );
        }
        counts.recordsRead++;
        if (counts.status === 'pending' || counts.status === 'started') counts.status = 'running';
        await forward(line);
        break;
      }
      case 'STATE':
        await forward(line);
        break;
      case 'TRACE': {
        const status = message.trace.stream_status;
        if (status) {
          const counts = streams[status.stream_descriptor.name];
          if (counts) counts.status = status.status.toLowerCase() as StreamResult['status'];
          emit({ type: 'stream_status', stream: status.stream_descriptor.name, status: status.status });
        }
        const estimate = message.trace.estimate;
        if (estimate?.row_estimate !== undefined) emit({ type: 'estimate', stream: estimate.name, rows: estimate.row_estimate });
        const error = errorTraceOf(message);
        if (error) onError(error);
        forwardInfo(message, 'source', source.command.name, emit);
        break;
      }
      default:
        forwardInfo(message, 'source', source.command.name, emit);
    }
  }
}
