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
import {
  ConfigError,
  configureCatalog,
  errorMessage,
  type ConfiguredAirbyteCatalog,
  type DestinationSyncMode,
  type FailureType,
} from '@sync/protocol';
import { ConnectorFailure, discoverCatalog } from './call-connector.ts';
import { CheckpointLedger } from './checkpoint-ledger.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { connectorEnvironment } from './connector-env.ts';
import { describeExit, spawnConnector, type ConnectorProcess } from './connector-process.ts';
import type { ConnectorRole, RunStore, StreamResult, SyncEvent, SyncFailure, SyncResult } from './events.ts';
import { DestinationGone, pipeSource } from './pipe-source.ts';
import { createPrivateDir } from './private-dir.ts';
import { CheckpointNotSaved, readAcknowledgements } from './read-acknowledgements.ts';
import { FirstFailure, type RunContext } from './run-context.ts';
import { RunSecrets } from './secrets.ts';
import { stateFileContent } from './state-file.ts';

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
  /**
   * How the destination writes every stream (default: append_dedup where the stream has a primary
   * key, else append). `overwrite` implies `fullRefresh`: the destination rebuilds each table from a
   * whole read and swaps it in at the end.
   */
  destinationSyncMode?: DestinationSyncMode;
  /** Receives every event, with every secret of the run masked (see `secrets.ts`). */
  onEvent?: (event: SyncEvent) => void;
  /** Aborting kills both connectors and ends the run as failed; committed states stay. */
  signal?: AbortSignal;
  /**
   * Environment the connectors' is picked from (default: this process's): only the allow-listed
   * variables (`connector-env.ts`) and those named in `passEnv` reach them.
   */
  env?: NodeJS.ProcessEnv;
  /** Further variables of `env` to pass to both connectors (`sync run --pass-env`); their values are masked. */
  passEnv?: readonly string[];
  /** Values to mask besides the connectors' secrets, e.g. the state store's URL (its password is masked). */
  secrets?: readonly string[];
}

/**
 * Runs one sync and records it in `store`. Never throws for a failed sync: the result says what
 * failed. Throws only when the store itself cannot record the run's start. Every event, the failure
 * and the error stored with the run have the run's secrets masked.
 */
export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const startedAt = performance.now();
  const { store, pipelineId } = options;
  const env = connectorEnvironment(options.env ?? process.env, options.passEnv);
  const secrets = new RunSecrets([...(options.secrets ?? []), ...(options.passEnv ?? []).map((name) => env[name])]);
  const onEvent = options.onEvent;
  const emit = (event: SyncEvent) => onEvent?.(secrets.maskEvent(event));
  await store.ensurePipeline({ id: pipelineId, source: options.source.name, destination: options.destination.name });
  const run = await store.startRun(pipelineId);
  emit({ type: 'run_created', runId: run.id, pipelineId });
  const streams: Record<string, StreamResult> = {};
  const mismatches: string[] = [];
  const dir = await createPrivateDir('sync-run-');
  let failure: SyncFailure | undefined;
  try {
    failure = await execute({ ...options, env, onEvent: emit }, secrets, run.id, dir.writeJson, streams, mismatches);
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
  // A source that ended cleanly has read every stream, whether or not it said so with STREAM_STATUS
  // (older connectors never do); a failed run leaves every stream that did not complete incomplete.
  for (const stream of Object.values(streams)) {
    if (stream.status === 'complete') continue;
    if (failure) stream.status = 'incomplete';
    else if (stream.status !== 'incomplete') stream.status = 'complete';
  }
  if (failure) failure = { ...failure, message: secrets.mask(failure.message) };
  const status = failure ? 'failed' : 'succeeded';
  await store.finishRun(run.id, { status, ...(failure ? { error: failure.message } : {}), streams });
  return secrets.maskDeep({
    runId: run.id,
    pipelineId,
    status,
    ...(failure ? { failure } : {}),
    streams,
    mismatches,
    durationMs: Math.round(performance.now() - startedAt),
  });
}

/** The given config with the keys a connector saved in earlier runs laid over it. */
async function effectiveConfigs(
  options: SyncOptions,
  emit: (event: SyncEvent) => void,
): Promise<Record<ConnectorRole, Record<string, unknown>>> {
  const saved = await options.store.loadConfigUpdates(options.pipelineId);
  const configs: Record<ConnectorRole, Record<string, unknown>> = {
    source: { ...options.sourceConfig },
    destination: { ...options.destinationConfig },
  };
  for (const role of ['source', 'destination'] as const) {
    const update = saved[role];
    const connector = options[role].name;
    // Keys saved by another connector (the pipeline was pointed elsewhere) do not apply.
    if (!update || update.connector !== connector) continue;
    configs[role] = { ...configs[role], ...update.changes };
    emit({ type: 'config_applied', role, connector, keys: Object.keys(update.changes), savedAt: update.updatedAt });
  }
  return configs;
}

async function execute(
  options: SyncOptions,
  secrets: RunSecrets,
  runId: string,
  writeJson: (name: string, value: unknown) => Promise<string>,
  streams: Record<string, StreamResult>,
  mismatches: string[],
): Promise<SyncFailure | undefined> {
  const emit = options.onEvent ?? (() => {});
  const env = options.env;
  const configs = await effectiveConfigs(options, emit);
  await secrets.readSpecs(
    { source: { command: options.source, config: configs.source }, destination: { command: options.destination, config: configs.destination } },
    env ?? {},
    (role, connector, message) => emit({ type: 'log', role, connector, level: 'WARN', message }),
  );
  const sourceConfigPath = await writeJson('source-config.json', configs.source);
  const destinationConfigPath = await writeJson('destination-config.json', configs.destination);

  const discovered = await discoverCatalog(options.source, sourceConfigPath, env, (line) =>
    emit({ type: 'stderr', role: 'source', connector: options.source.name, line }),
  );
  let catalog: ConfiguredAirbyteCatalog;
  try {
    catalog = configureCatalog(discovered, {
      ...(options.streams ? { streams: options.streams } : {}),
      ...(options.fullRefresh ? { fullRefresh: true } : {}),
      ...(options.destinationSyncMode ? { destinationSyncMode: options.destinationSyncMode } : {}),
    });
  } catch (error) {
    throw new ConfigError(`${options.source.name}: ${errorMessage(error)}`);
  }
  for (const { stream } of catalog.streams) {
    streams[stream.name] = { recordsRead: 0, recordsCommitted: 0, status: 'pending', countMismatches: 0 };
  }
  // A read from scratch is a new generation of each stream: the destination applies its batches even
  // where they equal batches it committed before, which it would otherwise take for a crash's replay.
  const fromScratch = options.fullRefresh || options.destinationSyncMode === 'overwrite';
  const generations = await options.store.streamGenerations(options.pipelineId, Object.keys(streams), { refresh: fromScratch });
  catalog = {
    ...catalog,
    streams: catalog.streams.map((s) => {
      const generation = generations[s.stream.name] ?? 0;
      return { ...s, generation_id: generation, minimum_generation_id: s.destination_sync_mode === 'overwrite' ? generation : 0 };
    }),
  };
  const catalogPath = await writeJson('catalog.json', catalog);

  const state = fromScratch ? [] : await options.store.loadState(options.pipelineId);
  const stateContent = stateFileContent(state);
  const statePath = stateContent === undefined ? undefined : await writeJson('state.json', stateContent);
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
  const context: RunContext = {
    runId,
    pipelineId: options.pipelineId,
    store: options.store,
    streams,
    mismatches,
    ledger: new CheckpointLedger(),
    failures,
    emit,
    configs,
    source,
    destination,
  };
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

  const pump = pipeSource(context, destinationDown.signal, (e) => (sourceError ??= e))
    .catch((error: unknown) => {
      if (error instanceof DestinationGone) return; // reported from the destination's side
      failures.add(errorMessage(error), 'system_error', 'source');
      source.kill();
    })
    .finally(() => {
      sourceDone = true;
      destination.stdin?.end();
    });

  const acks = readAcknowledgements(context, (e) => (destinationError ??= e)).catch((error: unknown) => {
    failures.add(errorMessage(error), 'system_error', error instanceof CheckpointNotSaved ? 'engine' : 'destination');
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
