/**
 * The engine's memory across runs: pipelines, runs, and the last acknowledged STATE per pipeline and
 * stream, in Postgres (schema `sync` by default). The engine itself is stateless; a crash at any
 * point loses nothing, because the next run starts from what `commitState` persisted.
 *
 * Tables (see ../migrations): `pipelines`, `runs`, `stream_states` (one row per pipeline, stream and
 * namespace; a GLOBAL or LEGACY state is one row with stream = ''), `checkpoints` (one row per
 * acknowledged STATE), `stream_generations` (the generation of each stream of a pipeline),
 * `connector_config_updates` (CONTROL config, sealed), `connector_specs` (specs per connector version),
 * `source_catalogs` (the last discovered catalog per pipeline); for `sync serve` (`service()`), stored
 * pipeline configs, queued runs, `run_events`, `audit_log` and `webhook_deliveries`.
 */
import pg from 'pg';
import type { ConfigUpdateRecord, ConnectorRole, RunOutcome, RunStore, SourceCatalogRecord } from '@sync/engine';
import type { AirbyteStateMessage } from '@sync/protocol';
import { connectError, describeDatabase, inTransaction, poolConfig, type ConnectionTimeouts } from './connection.ts';
import { DEFAULT_SCHEMA, assertSchemaName, isUpToDate, migrate } from './migrate.ts';
import type { CheckpointRecord, RunRecord } from './records.ts';
import { loadConnectorSpec, saveConnectorSpec } from './connector-specs.ts';
import { writeCheckpoints } from './commit-states.ts';
import { loadSourceCatalog, saveSourceCatalog } from './source-catalogs.ts';
import { getRun, listCheckpoints, listRuns } from './run-history.ts';
import { RunLocks } from './run-locks.ts';
import { startRun } from './start-run.ts';
import { streamGenerations } from './stream-generations.ts';
import type { SecretKeyring } from './secret-box.ts';
import type { SecretKeySource } from './secret-key.ts';
import { forgetConfigUpdates, loadConfigUpdates, saveConfigUpdate } from './sealed-config-updates.ts';
import { resealSecrets, type ResealResult } from './reseal-secrets.ts';
import { ServiceStore } from './service-store.ts';

/**
 * Where the store is and how it connects. Timeouts (`connectTimeoutMs`, `statementTimeoutMs`,
 * `keepAliveDelayMs`, all in ms) are described with `poolConfig` in connection.ts.
 */
export interface StateStoreOptions extends ConnectionTimeouts {
  /** Postgres connection string, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /** Schema holding the store's tables; default `sync`. Lower-case letters, digits and `_`. */
  schema?: string;
  /** Connections in the pool; default 4. */
  maxConnections?: number;
  /**
   * Called when a connection fails outside a query (the server restarted, the network dropped): an
   * idle pooled one, which the pool discards, or the one holding a run's pipeline lock, which the run
   * then no longer holds. The process keeps running. Default: one line on stderr.
   */
  onConnectionError?: (error: Error) => void;
  /**
   * The key that encrypts the secrets the store keeps (saved connector config, see
   * sealed-config-updates.ts). Without it, saving or reading saved config throws; nothing is ever
   * stored in plaintext.
   */
  secretKeys?: SecretKeySource;
}

/** The engine's `RunStore` in Postgres, plus what the CLI reads and manages (run history, resets, secrets). */
export class StateStore implements RunStore {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #where: string;
  readonly #runLocks: RunLocks;
  readonly #clientConfig: pg.ClientConfig;
  readonly #onConnectionError: (error: Error) => void;
  #secretKeys: SecretKeySource | undefined;
  #service: ServiceStore | undefined;

  private constructor(pool: pg.Pool, schema: string, where: string, clientConfig: pg.ClientConfig, onConnectionError: (error: Error) => void) {
    this.#pool = pool;
    this.#schema = schema;
    this.#where = where;
    this.#clientConfig = clientConfig;
    this.#onConnectionError = onConnectionError;
    this.#runLocks = new RunLocks(schema, onConnectionError);
  }

  /**
   * Connects to Postgres, then creates or upgrades the store's schema (safe from many processes at
   * once; see `migrate`).
   *
   * @throws Error "cannot connect to the state store at host:port/db: <reason>" (never the password)
   *   when Postgres does not answer; Error "cannot migrate the state store ..." when a migration fails;
   *   Error when `schema` is not a plain lower-case identifier.
   */
  static async open(options: StateStoreOptions): Promise<StateStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    assertSchemaName(schema);
    const where = describeDatabase(options.url);
    const config = poolConfig(options.url, options.maxConnections ?? 4, options);
    const pool = new pg.Pool(config);
    const onConnectionError =
      options.onConnectionError ??
      ((error: Error) => process.stderr.write(`state store at ${where}: connection lost: ${error.message}\n`));
    pool.on('error', onConnectionError);
    // The first connection is the connect check (issue 13: no `SELECT 1` of its own before the
    // migrations check, which runs on it).
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => {});
      throw connectError(options.url, error);
    }
    try {
      let upToDate: boolean;
      try {
        upToDate = await isUpToDate(client, schema);
      } finally {
        client.release();
      }
      if (!upToDate) await migrate({ url: options.url, schema });
    } catch (error) {
      await pool.end().catch(() => {});
      throw new Error(`cannot migrate the state store schema "${schema}" at ${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const store = new StateStore(pool, schema, where, config, onConnectionError);
    store.#secretKeys = options.secretKeys;
    return store;
  }

  /** The schema holding the store's tables. */
  get schema(): string {
    return this.#schema;
  }

  /** What `sync serve` keeps (stored pipelines, run queue, events, audit log, webhooks), on this store's connections. */
  service(): ServiceStore {
    this.#service ??= new ServiceStore({
      pool: this.#pool,
      schema: this.#schema,
      where: this.#where,
      clientConfig: this.#clientConfig,
      secretKeys: this.#secretKeys,
      onConnectionError: this.#onConnectionError,
    });
    return this.#service;
  }

  /**
   * Creates the pipeline, or updates its source and destination when they changed.
   * @throws Error from Postgres.
   */
  async ensurePipeline(pipeline: { id: string; source: string; destination: string }): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.pipelines (id, source, destination) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET source = excluded.source, destination = excluded.destination, updated_at = now()
       WHERE pipelines.source IS DISTINCT FROM excluded.source OR pipelines.destination IS DISTINCT FROM excluded.destination`,
      [pipeline.id, pipeline.source, pipeline.destination],
    );
  }

  /**
   * Records the start of a run (status `running`), or with `options.runId` takes over that run the API
   * queued (`ServiceStore.enqueueRun`), and holds the pipeline's run lock (a Postgres advisory lock on
   * a connection kept for the run) until `finishRun`: one run at a time per pipeline. Runs of the
   * pipeline still `running` once the lock is taken had their process die before it finished them (a
   * kill, a power cut, Ctrl-C racing a shutdown): they are marked `failed` (`cancelled` after a
   * cancel) with the error `INTERRUPTED_RUN_ERROR`, finished at their last checkpoint (or their start). Queued runs are left alone.
   *
   * @returns the run's id (a new UUID, or `options.runId`).
   * @throws RunNotQueuedError when `options.runId` is not a queued run of the pipeline; Error when
   *   another run of the pipeline holds the lock (its id and start time are named), when the API has a
   *   sync of the pipeline queued (named; only without `runId`), when the pipeline does not exist (call
   *   `ensurePipeline` first), or from Postgres. See start-run.ts.
   */
  async startRun(pipelineId: string, options: { runId?: string } = {}): Promise<{ id: string }> {
    return startRun({ pool: this.#pool, schema: this.#schema, where: this.#where, runLocks: this.#runLocks }, pipelineId, options);
  }

  /**
   * Persists one STATE the destination acknowledged: `commitStates` with a single checkpoint.
   *
   * @throws as `commitStates`.
   */
  async commitState(
    runId: string,
    pipelineId: string,
    state: AirbyteStateMessage,
    options: { recordsForwarded?: number } = {},
  ): Promise<void> {
    await this.commitStates(runId, pipelineId, [{ state, ...options }]);
  }

  /**
   * Persists STATEs the destination acknowledged, in the order given (each the message's `state`
   * object, stats included), in one transaction: upserts the pipeline's row of each stream with the
   * last of its states (GLOBAL and LEGACY: stream ''), appends one `checkpoints` row per state, and
   * adds each state's committed count (destinationStats.recordCount, else the records forwarded, else
   * sourceStats.recordCount) to the run's `records_committed` for its stream. All or none: a failure
   * keeps none of them, and the checkpoints of earlier calls stay. Three statements whatever the count,
   * so the engine saves a burst of acknowledgements at the cost of one.
   *
   * The run must still be `running` and hold its pipeline lock (see `RunLocks.assertHeld`): a run whose
   * lock connection died may have been replaced by a new run of the pipeline, and two runs committing
   * one pipeline's state would undo each other's checkpoints.
   *
   * @param checkpoints[].recordsForwarded records the engine passed to the destination for this checkpoint,
   *   kept next to the source's and destination's own counts for reconciliation.
   * @throws Error when the run does not exist, belongs to another pipeline or has finished; when it no
   *   longer holds its pipeline lock ("cannot commit state: run … no longer holds the lock of pipeline
   *   …"); when the STATE is malformed; or from Postgres. Nothing is persisted then; the engine must
   *   fail the run.
   */
  async commitStates(
    runId: string,
    pipelineId: string,
    checkpoints: readonly { state: AirbyteStateMessage; recordsForwarded?: number | undefined }[],
  ): Promise<void> {
    if (checkpoints.length === 0) return;
    await inTransaction(this.#pool, this.#where, (client) =>
      writeCheckpoints(client, this.#schema, runId, pipelineId, checkpoints, () => this.#runLocks.assertHeld(client, runId, pipelineId)),
    );
  }

  /**
   * The last acknowledged states of a pipeline, ordered by stream and namespace: the list of STATE
   * messages (`state` objects, as acknowledged) that Airbyte's `read --state F` expects. Empty for a
   * new pipeline or after `resetState`. A GLOBAL or LEGACY state comes back as the one element.
   */
  async loadState(pipelineId: string): Promise<AirbyteStateMessage[]> {
    const result = await this.#pool.query<{ state: AirbyteStateMessage }>(
      `SELECT state FROM ${this.#schema}.stream_states WHERE pipeline_id = $1 ORDER BY stream, namespace`,
      [pipelineId],
    );
    return result.rows.map((row) => row.state);
  }

  /**
   * Marks a running run finished, with its final counts per stream (merged over the counts that
   * `commitState` accumulated: a stream named here takes the given figures). A run that fails after a
   * cancel was asked for (`ServiceStore.requestCancel`) is recorded `cancelled`, with its error.
   *
   * @throws Error when the run does not exist, is queued, or has already finished.
   */
  async finishRun(runId: string, outcome: RunOutcome): Promise<void> {
    const streams: Record<string, { records_read: number; records_committed: number; status?: string; count_mismatches?: number }> = {};
    for (const [name, s] of Object.entries(outcome.streams)) {
      streams[name] = {
        records_read: s.recordsRead,
        records_committed: s.recordsCommitted,
        ...(s.status ? { status: s.status } : {}),
        ...(s.countMismatches ? { count_mismatches: s.countMismatches } : {}),
      };
    }
    let updated: pg.QueryResult;
    try {
      updated = await this.#pool.query(
        `UPDATE ${this.#schema}.runs
         SET status = CASE WHEN $2::text = 'failed' AND cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE $2::text END,
           error = $3, finished_at = clock_timestamp(), streams = streams || $4::jsonb
         WHERE id = $1 AND status = 'running'`,
        [runId, outcome.status, outcome.error ?? null, JSON.stringify(streams)],
      );
    } finally {
      await this.#runLocks.release(runId);
    }
    if (updated.rowCount === 0) {
      const run = await this.getRun(runId);
      throw new Error(
        !run
          ? `cannot finish run ${runId}: no such run in the state store`
          : run.status === 'queued'
            ? `cannot finish run ${runId}: it is queued, never started (startRun with its id takes it over)`
            : `cannot finish run ${runId}: it already finished with status ${run.status}`,
      );
    }
  }

  /**
   * Forgets acknowledged states, so the next run of those streams starts from scratch (a backfill),
   * and moves them to a new generation. Run history and checkpoints are kept.
   *
   * @param streams stream names to reset (`''` is the GLOBAL or LEGACY state); all when omitted.
   * @returns the number of state rows removed.
   */
  async resetState(pipelineId: string, streams?: readonly string[]): Promise<number> {
    let removed = 0;
    await inTransaction(this.#pool, this.#where, async (client) => {
      const which = streams ? 'AND stream = ANY($2::text[])' : '';
      const params = streams ? [pipelineId, [...streams]] : [pipelineId];
      removed = (await client.query(`DELETE FROM ${this.#schema}.stream_states WHERE pipeline_id = $1 ${which}`, params)).rowCount ?? 0;
      // What the next run reads is read again on purpose: a new generation (see streamGenerations).
      await client.query(
        `UPDATE ${this.#schema}.stream_generations SET generation_id = generation_id + 1, updated_at = now() WHERE pipeline_id = $1 ${which}`,
        params,
      );
    });
    return removed;
  }

  /**
   * The generation of each of `streams` (Airbyte `generation_id`), creating it at 0 for a stream seen
   * for the first time. With `refresh`, the streams that already had one move to the next generation
   * first: their data is about to be read again on purpose.
   *
   * @returns stream name → generation id.
   * @throws Error from Postgres.
   */
  async streamGenerations(pipelineId: string, streams: readonly string[], options: { refresh?: boolean } = {}): Promise<Record<string, number>> {
    return streamGenerations(this.#pool, this.#schema, pipelineId, streams, options);
  }

  /** One run, or undefined when there is no run with that id. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    return getRun(this.#pool, this.#schema, runId);
  }

  /**
   * Runs, newest first (by start time).
   * @param options.pipelineId only this pipeline's runs; all pipelines when omitted.
   * @param options.limit at most this many; default 50.
   */
  async listRuns(options: { pipelineId?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return listRuns(this.#pool, this.#schema, options);
  }

  /** The checkpoints (acknowledged STATEs) of a run, in commit order. */
  async listCheckpoints(runId: string): Promise<CheckpointRecord[]> {
    return listCheckpoints(this.#pool, this.#schema, runId);
  }

  /**
   * Keeps config values a connector asked to persist with a CONTROL message (Airbyte protocol,
   * AirbyteControlConnectorConfigMessage), encrypted with the store's secret key (created on first
   * use). `changes` holds only the changed keys; they are merged over earlier changes of the same
   * pipeline and role.
   *
   * @throws SecretKeyError when the store has no key source or the saved changes do not open; Error
   *   from Postgres (the pipeline must exist).
   */
  async saveConfigUpdate(
    pipelineId: string,
    role: ConnectorRole,
    update: { connector: string; changes: Record<string, unknown>; runId?: string },
  ): Promise<void> {
    await saveConfigUpdate(this.#pool, this.#schema, this.#where, this.#secretKeys, pipelineId, role, update);
  }

  /**
   * The persisted config changes of a pipeline's source and destination, if any, decrypted.
   *
   * @throws SecretKeyError when a saved change is encrypted with a key the store does not have.
   */
  async loadConfigUpdates(pipelineId: string): Promise<Partial<Record<ConnectorRole, ConfigUpdateRecord>>> {
    return loadConfigUpdates(this.#pool, this.#schema, this.#secretKeys, pipelineId);
  }

  /**
   * Encrypts every stored secret with the current key of `keyring` (a key rotation, or plaintext rows
   * of an older version), in one transaction: saved connector config changes and the configs of
   * pipelines stored through the API (reseal-secrets.ts).
   *
   * @throws SecretKeyError when a value is encrypted with a key `keyring` does not hold; nothing changes then.
   */
  async resealSecrets(keyring: SecretKeyring): Promise<ResealResult> {
    return resealSecrets(this.#pool, this.#schema, this.#where, keyring);
  }

  /** Deletes the saved config of a pipeline (both roles, or one): the way out when its key is lost. */
  async forgetConfigUpdates(pipelineId: string, role?: ConnectorRole): Promise<number> {
    return forgetConfigUpdates(this.#pool, this.#schema, pipelineId, role);
  }

  /** The `connectionSpecification` kept for a connector at a version, or undefined (connector-specs.ts). */
  async loadConnectorSpec(connector: string, version: string): Promise<unknown> {
    return loadConnectorSpec(this.#pool, this.#schema, connector, version);
  }

  /** Keeps a connector's `connectionSpecification` for its version; older versions beyond a few are forgotten. */
  async saveConnectorSpec(connector: string, version: string, connectionSpecification: unknown): Promise<void> {
    await saveConnectorSpec(this.#pool, this.#schema, connector, version, connectionSpecification);
  }

  /**
   * The catalog kept for a pipeline's source (its connector, version, config hash, discover time), or
   * undefined; with `streams`, of those streams only (source-catalogs.ts).
   */
  async loadSourceCatalog(pipelineId: string, streams?: readonly string[]): Promise<SourceCatalogRecord | undefined> {
    return loadSourceCatalog(this.#pool, this.#schema, pipelineId, streams);
  }

  /** Keeps the catalog a pipeline's source discovered (never its config: a hash of it); `null` forgets it. */
  async saveSourceCatalog(pipelineId: string, record: SourceCatalogRecord | null): Promise<void> {
    await saveSourceCatalog(this.#pool, this.#schema, pipelineId, record);
  }

  /** Closes every connection. The store is unusable afterwards. */
  async close(): Promise<void> {
    // Runs never finished give up their locks; the next run of each pipeline marks them interrupted.
    await this.#runLocks.releaseAll();
    await this.#pool.end();
  }
}
