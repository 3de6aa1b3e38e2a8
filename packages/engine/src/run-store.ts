/**
 * What the engine needs from the place it keeps runs and acknowledged states, across runs and
 * crashes. `@sync/state-postgres`'s `StateStore` implements it (in Postgres); the engine knows no
 * more of the store than this, and never opens a database itself.
 */
import type { AirbyteCatalog, AirbyteStateMessage } from '@sync/protocol';
import type { ConnectorRole } from './connector-command.ts';

/** Counts of one stream in one run. */
export interface RunStreamStats {
  /** Records the source emitted for this stream in this run. */
  recordsRead: number;
  /** Records the destination acknowledged as committed for this stream in this run. */
  recordsCommitted: number;
  /** Last stream status seen, lower-cased (Airbyte STREAM_STATUS), or `incomplete` for a failed run. */
  status?: string;
  /** Checkpoints whose source, engine and destination counts disagreed; absent or 0 when none did. */
  countMismatches?: number;
}

/** How a run ended, as `RunStore.finishRun` records it. */
export interface RunOutcome {
  status: 'succeeded' | 'failed';
  /** Why the run failed, one line for a user (secrets masked); only with status `failed`. */
  error?: string;
  /** Final counts per stream name; they replace what `commitStates` accumulated for those streams. */
  streams: Record<string, RunStreamStats>;
}

/**
 * Config values a connector asked to persist with a CONTROL message (Airbyte protocol,
 * AirbyteControlConnectorConfigMessage), as saved for its pipeline and role.
 */
export interface ConfigUpdateRecord {
  /** The connector that asked, e.g. `destination-google-sheets`. */
  connector: string;
  /** Only the keys it changed, with their new values. May hold secrets (a refreshed token). */
  changes: Record<string, unknown>;
  updatedAt: Date;
}

/**
 * The catalog a pipeline's source discovered, kept so that later runs can skip `discover`
 * (catalog-cache.ts says when they may). Holds no config: only a hash of it.
 */
export interface SourceCatalogRecord {
  /** The source connector that discovered it, e.g. `source-stripe`. */
  connector: string;
  /** Its `ConnectorCommand.version` then. */
  version: string;
  /** sha256 (hex) of the canonical JSON of the effective source config it was discovered with. */
  configHash: string;
  /** The CATALOG message's catalog, as `discover` printed it. */
  catalog: AirbyteCatalog;
  /** When `discover` printed it (the engine's clock). */
  discoveredAt: Date;
}

/** The engine's state store. Every method throws when the store cannot do what it says. */
export interface RunStore {
  /** Creates the pipeline, or updates its source and destination names when they changed. */
  ensurePipeline(pipeline: { id: string; source: string; destination: string }): Promise<void>;
  /**
   * Records a new run (`running`) and holds it as the only run of the pipeline until `finishRun`.
   * With `options.runId`, takes over that run instead, one an API recorded as `queued` for this
   * pipeline when a client asked for it (`sync serve`), and marks it `running`: the id the client
   * was given stays the run's id.
   *
   * @throws Error naming the running run when another run of the pipeline holds it; with `runId`,
   *   Error when that run is not a `queued` run of this pipeline (unknown, another pipeline's, or
   *   already started, cancelled or finished).
   */
  startRun(pipelineId: string, options?: { runId?: string }): Promise<{ id: string }>;
  /**
   * Persists acknowledged STATEs (the source's copies), in order, each with the records the engine
   * forwarded for it, atomically: all or none. Throws when it cannot, and the engine then fails the run.
   */
  commitStates(runId: string, pipelineId: string, checkpoints: readonly { state: AirbyteStateMessage; recordsForwarded?: number | undefined }[]): Promise<void>;
  /**
   * The generation of each stream (Airbyte `generation_id`), one more for each stream already known
   * when `refresh` (a full refresh reads its data again on purpose).
   */
  streamGenerations(pipelineId: string, streams: readonly string[], options?: { refresh?: boolean }): Promise<Record<string, number>>;
  /** Last acknowledged states, in the shape `read --state FILE` takes. */
  loadState(pipelineId: string): Promise<AirbyteStateMessage[]>;
  /** Marks the run finished with its outcome, and lets the pipeline's next run start. */
  finishRun(runId: string, outcome: RunOutcome): Promise<void>;
  /** Keeps config keys a connector changed with a CONTROL message. */
  saveConfigUpdate(
    pipelineId: string,
    role: ConnectorRole,
    update: { connector: string; changes: Record<string, unknown>; runId?: string },
  ): Promise<void>;
  /** Config keys saved for a pipeline's connectors, laid over the given config at the start of a run. */
  loadConfigUpdates(pipelineId: string): Promise<Partial<Record<ConnectorRole, ConfigUpdateRecord>>>;
  /**
   * The `connectionSpecification` a connector's `spec` printed in an earlier run, for the connector
   * name (`source-stripe`) and `ConnectorCommand.version` given; undefined when none is kept.
   */
  loadConnectorSpec(connector: string, version: string): Promise<unknown>;
  /**
   * Keeps the `connectionSpecification` a connector's `spec` printed, for its name and version. The
   * store may forget older versions of the connector. Failures are harmless to the engine: it reads
   * the spec again next time.
   */
  saveConnectorSpec(connector: string, version: string, connectionSpecification: unknown): Promise<void>;
  /**
   * The catalog kept for a pipeline's source, or undefined when none is kept. With `streams`, its
   * catalog holds only the kept streams named there, in the kept order (a run of a few of Stripe's
   * 68 streams reads a few KB instead of 350 KB, issue 13); without, every stream.
   */
  loadSourceCatalog(pipelineId: string, streams?: readonly string[]): Promise<SourceCatalogRecord | undefined>;
  /**
   * Keeps the catalog a pipeline's source discovered, replacing the one kept; `null` forgets it (the
   * next run discovers again). The pipeline must exist. Failures are harmless to the engine: the next
   * run discovers.
   */
  saveSourceCatalog(pipelineId: string, record: SourceCatalogRecord | null): Promise<void>;
}
