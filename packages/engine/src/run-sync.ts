/**
 * One sync run: read the connectors' specs (for masking) while the source discovers its catalog (or
 * reuse the catalog it discovered in an earlier run, see catalog-cache.ts), spawn the source (`read`) and the destination (`write`), pipe one into the other with
 * backpressure, and persist every STATE the destination acknowledges, in order, as it arrives.
 *
 * Correctness argument (docs/architecture.md): the destination re-emits a STATE only after every
 * record before it is committed, and only re-emitted states that match one the source sent are
 * persisted; the next run hands the last persisted states back to the source. A crash anywhere
 * therefore loses nothing: at worst, records after the last acknowledged state are read again, and the
 * destination's upsert makes that harmless. A destination that no longer holds what a saved state
 * claims says so before reading (checkpoint-missing), and those streams are read again from the
 * beginning within the same run.
 */
import type { ConfiguredAirbyteCatalog, DestinationSyncMode } from '@sync/protocol';
import { errorMessage, RunConfigError } from './errors.ts';
import { ConnectorFailure } from './call-connector.ts';
import { catalogSaved, forgetCatalog } from './catalog-cache.ts';
import type { ConnectorCommand, ConnectorRole } from './connector-command.ts';
import { connectorEnvironment } from './connector-env.ts';
import type { StreamResult, SyncEvent, SyncFailure, SyncResult } from './events.ts';
import { createPrivateDir, type PrivateDir } from './private-dir.ts';
import { planResume } from './resume-plan.ts';
import { runAttempt } from './run-attempt.ts';
import type { RunStore } from './run-store.ts';
import { RunSecrets, type SpecCache } from './secrets.ts';
import type { CatalogCache } from './catalog-cache.ts';
import { sourceInputArgs, type SourceInput } from './source-input.ts';
import { readSpecsAndDiscover } from './specs-and-catalog.ts';
import { stateFileContent } from './state-file.ts';
import { configureStreams, type ConfiguredStreams, type StreamConfig } from './stream-configs.ts';
import { DEFAULT_CATALOG_MAX_AGE_MS, DEFAULT_TIMEOUTS, type RunTimeouts } from './timeouts.ts';

export interface SyncOptions {
  pipelineId: string;
  source: ConnectorCommand;
  sourceConfig: Record<string, unknown>;
  destination: ConnectorCommand;
  destinationConfig: Record<string, unknown>;
  store: RunStore;
  /**
   * A run recorded as `queued` (by the HTTP API) for this pipeline, to take over instead of
   * recording a new one (`RunStore.startRun`); runSync throws, as for any store failure at the
   * start, when it is not a queued run of the pipeline.
   */
  runId?: string;
  /**
   * Streams to sync, in order; default every stream the source discovers, or with `streamConfigs`
   * every configured stream (each stream named here must then be configured).
   */
  streams?: readonly string[];
  /**
   * Per-stream configuration (stream-configs.ts): selects the streams (like `streams`) and sets each
   * one's sync modes, cursor and field selection, checked against the discovered catalog; a mistake
   * fails the run with a config_error naming the stream.
   */
  streamConfigs?: readonly StreamConfig[];
  /**
   * Lines handed to the source's `read` as a file, with the option that names it (e.g. Stripe's
   * `--webhooks`): an extension of Airbyte's `read` that only a source knowing the option accepts
   * (source-input.ts).
   */
  sourceInput?: SourceInput;
  /** Ignore committed state and read every stream from the beginning (in full_refresh, whatever `streamConfigs` say). */
  fullRefresh?: boolean;
  /**
   * How the destination writes every stream (default: append_dedup where the stream has a primary
   * key, else append); a stream's own `destinationSyncMode` in `streamConfigs` wins. `overwrite`
   * implies `fullRefresh`: the destination rebuilds each table from a whole read and swaps it in at
   * the end.
   */
  destinationSyncMode?: DestinationSyncMode;
  /** Receives every event, with every secret of the run masked (see `secrets.ts`). */
  onEvent?: (event: SyncEvent) => void;
  /**
   * Aborting stops the source (its whole process group), tells the destination the input failed (it
   * commits nothing after its last acknowledged STATE and exits; killed if it lingers), and ends the
   * run as failed; committed states stay.
   */
  signal?: AbortSignal;
  /** Timeouts in ms (0: none); defaults in `DEFAULT_TIMEOUTS` (timeouts.ts). */
  timeouts?: Partial<RunTimeouts>;
  /**
   * Environment the connectors' is picked from (default: this process's): only the allow-listed
   * variables (`connector-env.ts`) and those named in `passEnv` reach them.
   */
  env?: NodeJS.ProcessEnv;
  /** Further variables of `env` to pass to both connectors (`sync run --pass-env`); their values are masked. */
  passEnv?: readonly string[];
  /** Values to mask besides the connectors' secrets, e.g. the state store's URL (its password is masked). */
  secrets?: readonly string[];
  /**
   * Discover the source's catalog even when the one kept from an earlier run would do (same connector
   * version and config, younger than `catalogMaxAgeMs`; catalog-cache.ts).
   */
  refreshCatalog?: boolean;
  /** Oldest kept catalog a run reuses instead of discovering, in ms (default 24 h; 0: always discover). */
  catalogMaxAgeMs?: number;
}

/**
 * Runs one sync and records it in `store`. Never throws for a failed sync: the result says what
 * failed. Throws only when the store itself cannot record the run's start; a store that cannot record
 * its end fails the run (after its own failure, when it had one). Every event, the failure and the
 * error stored with the run have the run's secrets masked.
 */
export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const startedAt = performance.now();
  const { store, pipelineId } = options;
  const env = connectorEnvironment(options.env ?? process.env, options.passEnv);
  const secrets = new RunSecrets([...(options.secrets ?? []), ...(options.passEnv ?? []).map((name) => env[name])]);
  const onEvent = options.onEvent;
  const emit = (event: SyncEvent) => onEvent?.(secrets.maskEvent(event));
  // The run's private dir is made while the store records the run (one less wait before the connectors start).
  const making = createPrivateDir('sync-run-');
  let run: { id: string };
  try {
    await store.ensurePipeline({ id: pipelineId, source: options.source.name, destination: options.destination.name });
    run = await store.startRun(pipelineId, options.runId === undefined ? undefined : { runId: options.runId });
  } catch (error) {
    await making.then((made) => made.remove()).catch(() => {});
    throw error;
  }
  emit({ type: 'run_created', runId: run.id, pipelineId });
  const streams: Record<string, StreamResult> = {};
  const mismatches: string[] = [];
  const dir = await making;
  let failure: SyncFailure | undefined;
  try {
    failure = await discoverAndRead({ ...options, env, onEvent: emit }, secrets, run.id, dir, streams, mismatches);
  } catch (error) {
    const fromConnector = error instanceof ConnectorFailure;
    failure = {
      message: errorMessage(error),
      failureType: fromConnector ? error.failureType : error instanceof RunConfigError ? 'config_error' : 'system_error',
      origin: fromConnector ? 'source' : 'engine',
    };
  } finally {
    await dir.remove();
    // A catalog the source discovered is kept while the run reads; the run ends once it is.
    await catalogSaved(pipelineId);
  }
  // A source that ended cleanly has read every stream, whether or not it said so with STREAM_STATUS
  // (older connectors never do); a failed run leaves every stream that did not complete incomplete.
  for (const stream of Object.values(streams)) {
    if (stream.status === 'complete') continue;
    if (failure) stream.status = 'incomplete';
    else if (stream.status !== 'incomplete') stream.status = 'complete';
  }
  if (failure) failure = { ...failure, message: secrets.mask(failure.message) };
  // The kept catalog may be what failed the run (a stream the source no longer has, a source config
  // that no longer works): the next run discovers again.
  if (failure?.failureType === 'config_error' && failure.origin !== 'destination') await forgetCatalog(store, pipelineId);
  try {
    await store.finishRun(run.id, { status: failure ? 'failed' : 'succeeded', ...(failure ? { error: failure.message } : {}), streams });
  } catch (error) {
    // The store went away (a database restart, say): the run's own failure stays the first cause.
    // Every acknowledged checkpoint is saved already; the run stays `running` until the next run of
    // the pipeline marks it interrupted.
    const note = secrets.mask(
      `the state store could not record the end of run ${run.id} (${errorMessage(error)}); every acknowledged checkpoint is kept, and the next run marks this one failed and resumes from its last checkpoint`,
    );
    failure = failure ? { ...failure, message: `${failure.message.replace(/\.$/, '')}; ${note}` } : { message: note, failureType: 'transient_error', origin: 'engine' };
  }
  const status = failure ? 'failed' : 'succeeded';
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

/** The given config with the keys a connector saved in earlier runs (`saved`, as `loadConfigUpdates` returns them) laid over it. */
async function effectiveConfigs(
  options: SyncOptions,
  saved: Promise<Awaited<ReturnType<RunStore['loadConfigUpdates']>>>,
  emit: (event: SyncEvent) => void,
): Promise<Record<ConnectorRole, Record<string, unknown>>> {
  const updates = await saved;
  const configs: Record<ConnectorRole, Record<string, unknown>> = {
    source: { ...options.sourceConfig },
    destination: { ...options.destinationConfig },
  };
  for (const role of ['source', 'destination'] as const) {
    const update = updates[role];
    const connector = options[role].name;
    // Keys saved by another connector (the pipeline was pointed elsewhere) do not apply.
    if (!update || update.connector !== connector) continue;
    configs[role] = { ...configs[role], ...update.changes };
    emit({ type: 'config_applied', role, connector, keys: Object.keys(update.changes), savedAt: update.updatedAt });
  }
  return configs;
}

/**
 * The body of a run, between recording it and finishing it: reads the connectors' specs (for
 * masking; kept in the store per connector version) while the source discovers its catalog (or
 * takes the one kept from an earlier run), configures the catalog, loads the saved states and generations, then reads the source into the
 * destination: once, or twice when the destination says it lost what saved states claim (those
 * streams are read again from the beginning).
 *
 * @returns the run's failure, undefined when it succeeded; `streams` and `mismatches` are filled in.
 * @throws ConnectorFailure from discover (a failed spec only warns), RunConfigError for a catalog that
 *   cannot be configured, Error from the store.
 */
async function discoverAndRead(
  options: SyncOptions,
  secrets: RunSecrets,
  runId: string,
  files: Pick<PrivateDir, 'writeJson' | 'writeText'>,
  streams: Record<string, StreamResult>,
  mismatches: string[],
): Promise<SyncFailure | undefined> {
  const emit = options.onEvent ?? (() => {});
  const env = options.env;
  // A read from scratch is a new generation of each stream: the destination applies its batches even
  // where they equal batches it committed before, which it would otherwise take for a crash's replay.
  const fromScratch = options.fullRefresh || options.destinationSyncMode === 'overwrite';
  // The store's reads that need nothing from each other start together, once the run holds its
  // pipeline's lock (issue 13: a no-op run waited on each in turn). The saved states are awaited
  // below (a failure is thrown there); the kept catalog and specs are looked up as before, from
  // these answers (prefetchedStore).
  const loadingStates = fromScratch ? Promise.resolve([]) : options.store.loadState(options.pipelineId);
  loadingStates.catch(() => {});
  const loadingUpdates = options.store.loadConfigUpdates(options.pipelineId);
  loadingUpdates.catch(() => {});
  const refreshCatalog = Boolean(options.refreshCatalog);
  const catalogMaxAgeMs = options.catalogMaxAgeMs ?? DEFAULT_CATALOG_MAX_AGE_MS;
  // The streams the catalog is configured for (stream-configs.ts): only these are read from a kept catalog.
  const catalogStreams = options.streams ?? options.streamConfigs?.map((config) => config.name);
  const store = prefetchedStore(options.store, options.pipelineId, [options.source, options.destination], {
    withCatalog: !refreshCatalog && catalogMaxAgeMs > 0,
    ...(catalogStreams ? { streams: catalogStreams } : {}),
  });
  const configs = await effectiveConfigs(options, loadingUpdates, emit);
  const timeouts: RunTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const writeJson = files.writeJson;
  const inputArgs = options.sourceInput ? await sourceInputArgs(options.sourceInput, files.writeText) : [];
  const sourceConfigPath = await writeJson('source-config.json', configs.source);
  const destinationConfigPath = await writeJson('destination-config.json', configs.destination);
  const discovered = await readSpecsAndDiscover(secrets, {
    source: options.source,
    destination: options.destination,
    configs,
    sourceConfigPath,
    env: env ?? {},
    emit,
    timeoutMs: timeouts.commandMs,
    ...(options.signal ? { signal: options.signal } : {}),
    cache: store,
    catalog: {
      cache: store,
      pipelineId: options.pipelineId,
      ...(catalogStreams ? { streams: catalogStreams } : {}),
      refresh: refreshCatalog,
      maxAgeMs: catalogMaxAgeMs,
    },
  });
  let configured: ConfiguredStreams;
  try {
    configured = configureStreams(discovered, {
      ...(options.streams ? { streams: options.streams } : {}),
      ...(options.streamConfigs ? { streamConfigs: options.streamConfigs } : {}),
      ...(options.fullRefresh ? { fullRefresh: true } : {}),
      ...(options.destinationSyncMode ? { destinationSyncMode: options.destinationSyncMode } : {}),
    });
  } catch (error) {
    throw new RunConfigError(`${options.source.name}: ${errorMessage(error)}`, { cause: error });
  }
  let catalog: ConfiguredAirbyteCatalog = configured.catalog;
  const resetCounts = () => {
    for (const { stream } of catalog.streams) {
      streams[stream.name] = { recordsRead: 0, recordsCommitted: 0, status: 'pending', countMismatches: 0 };
    }
  };
  resetCounts();
  const withGenerations = (generations: Record<string, number>) => {
    catalog = {
      ...catalog,
      streams: catalog.streams.map((s) => {
        const generation = generations[s.stream.name] ?? s.generation_id ?? 0;
        return { ...s, generation_id: generation, minimum_generation_id: s.destination_sync_mode === 'overwrite' ? generation : 0 };
      }),
    };
  };
  // Streams read from scratch by their own configuration start a new generation, as a whole run from scratch does.
  const fresh = fromScratch ? [] : Object.keys(streams).filter((name) => configured.fromScratch.has(name));
  const others = Object.keys(streams).filter((name) => !fresh.includes(name));
  withGenerations({
    ...(await options.store.streamGenerations(options.pipelineId, others, { refresh: fromScratch })),
    ...(fresh.length > 0 ? await options.store.streamGenerations(options.pipelineId, fresh, { refresh: true }) : {}),
  });
  const saved = await loadingStates;

  // ... and take no saved state: the source reads them from the beginning.
  const dropped = new Set<string>(fresh);
  for (let attempt = 1; ; attempt++) {
    const plan = planResume(catalog, saved, dropped);
    const catalogPath = await writeJson('catalog.json', plan.catalog);
    const stateContent = stateFileContent(plan.state);
    const statePath = stateContent === undefined ? undefined : await writeJson('state.json', stateContent);
    if (attempt === 1) emit({ type: 'run_started', runId, pipelineId: options.pipelineId, catalog: plan.catalog, resumed: plan.resumed });
    const result = await runAttempt({
      runId,
      pipelineId: options.pipelineId,
      store: options.store,
      streams,
      mismatches,
      emit,
      configs,
      source: options.source,
      destination: options.destination,
      sourceArgs: ['read', '--config', sourceConfigPath, '--catalog', catalogPath, ...(statePath ? ['--state', statePath] : []), ...inputArgs],
      destinationArgs: ['write', '--config', destinationConfigPath, '--catalog', catalogPath],
      fields: configured.fields,
      ...(env ? { env } : {}),
      timeouts,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The destination lost what saved states claim (a dropped schema, a restore from an older backup):
    // those streams are read again from the beginning, once, never reported as synced over missing data.
    const lost = (result.missing ?? []).filter((name) => plan.resumed.includes(name) && !dropped.has(name));
    if (lost.length === 0 || attempt > 1 || options.signal?.aborted) return result.failure;
    const names = lost.join(', ');
    emit({
      type: 'warning',
      streams: lost,
      message: `the destination no longer holds what the saved state of ${names} claims; reading ${names} again from the beginning`,
    });
    for (const name of lost) dropped.add(name);
    // A new generation: the destination must not take the new read's batches for replays of old ones.
    withGenerations(await options.store.streamGenerations(options.pipelineId, lost, { refresh: true }));
    resetCounts();
  }
}

/**
 * The store's spec and catalog lookups of a run, started now rather than when the run gets to them:
 * the kept spec of each versioned connector in `connectors`, and the pipeline's kept catalog (of
 * `catalog.streams` only, when given) when `catalog.withCatalog` (the run may reuse one: no refresh
 * asked, a maximum age above 0) and the source has a version, as `keptCatalog` asks for it. Each
 * lookup returns the answer started here once; every other call, and the saves, go to `store`. A
 * lookup that fails fails when asked for, as the store's own would (its callers take a failure for a
 * miss).
 */
function prefetchedStore(
  store: RunStore,
  pipelineId: string,
  connectors: readonly ConnectorCommand[],
  catalog: { withCatalog: boolean; streams?: readonly string[] },
): SpecCache & CatalogCache {
  const started = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => {});
    return promise;
  };
  const specs = new Map<string, Promise<unknown>>();
  for (const { name, version } of connectors) {
    if (version) specs.set(JSON.stringify([name, version]), started(store.loadConnectorSpec(name, version)));
  }
  let kept = catalog.withCatalog && connectors[0]?.version ? started(store.loadSourceCatalog(pipelineId, catalog.streams)) : undefined;
  return {
    loadConnectorSpec(connector, version) {
      const key = JSON.stringify([connector, version]);
      const prefetched = specs.get(key);
      specs.delete(key);
      return prefetched ?? store.loadConnectorSpec(connector, version);
    },
    saveConnectorSpec: (connector, version, spec) => store.saveConnectorSpec(connector, version, spec),
    loadSourceCatalog(id, streams) {
      const prefetched = id === pipelineId && streams === catalog.streams ? kept : undefined;
      kept = undefined;
      return prefetched ?? store.loadSourceCatalog(id, streams);
    },
    saveSourceCatalog: (id, record) => store.saveSourceCatalog(id, record),
  };
}
