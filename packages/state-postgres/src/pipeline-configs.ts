/**
 * Pipelines stored through the API (`sync serve`): their connectors' names and configs and their
 * stream selection, in `pipelines` (migration 007). Each config is sealed whole (secret-box.ts) in
 * `source_config_sealed` / `destination_config_sealed`, bound to its pipeline and role, so no value
 * of a config is ever at rest in plaintext, and a sealed config copied to another pipeline or role
 * does not open. Pipelines `sync run` created have no stored config (NULL: `configStored` false).
 */
import type pg from 'pg';
import type { ConnectorRole } from '@sync/engine';
import { ConflictError } from './conflict-error.ts';
import { SecretKeyError, type SecretKeyring } from './secret-box.ts';
import type { SecretKeySource } from './secret-key.ts';
import type { ResealResult } from './reseal-secrets.ts';
import { requireKeys } from './sealed-config-updates.ts';
import type { PipelineStream, StoredPipeline } from './service-records.ts';

/** A stream of `pipelines.streams`, snake_case as on the wire. */
interface StreamRow {
  name: string;
  sync_mode?: PipelineStream['syncMode'];
  destination_sync_mode?: PipelineStream['destinationSyncMode'];
  cursor_field?: string[];
  fields?: string[];
}

interface PipelineRow {
  id: string;
  source: string;
  destination: string;
  source_connector: string | null;
  destination_connector: string | null;
  source_config_sealed: string | null;
  destination_config_sealed: string | null;
  streams: StreamRow[] | null;
  created_at: Date;
  updated_at: Date;
  schedule: { cron: string; timezone: string; jitter_seconds: number } | null;
  next_run_at: Date | null;
  max_attempts: number;
  max_duration_seconds: number | null;
}

const COLUMNS =
  'id, source, destination, source_connector, destination_connector, source_config_sealed, destination_config_sealed, streams, created_at, updated_at, ' +
  'schedule, next_run_at, max_attempts, max_duration_seconds';

/** What a sealed config is bound to (its additional authenticated data); must never change. */
const context = (pipelineId: string, role: ConnectorRole) => `pipelines:${JSON.stringify(pipelineId)}:${role}`;

/** A connector of a pipeline to store: its name and whole config. */
export interface ConnectorConfig {
  name: string;
  config: Record<string, unknown>;
}

/** What `updatePipeline` replaces; parts left out are kept. `streams: null` selects every stream again. */
export interface PipelinePatch {
  source?: { name?: string; config?: Record<string, unknown> };
  destination?: { name?: string; config?: Record<string, unknown> };
  streams?: PipelineStream[] | null;
}

function streamsToRow(streams: readonly PipelineStream[]): StreamRow[] {
  return streams.map((s) => ({
    name: s.name,
    ...(s.syncMode ? { sync_mode: s.syncMode } : {}),
    ...(s.destinationSyncMode ? { destination_sync_mode: s.destinationSyncMode } : {}),
    ...(s.cursorField ? { cursor_field: s.cursorField } : {}),
    ...(s.fields ? { fields: s.fields } : {}),
  }));
}

function streamsFromRow(rows: readonly StreamRow[]): PipelineStream[] {
  return rows.map((s) => ({
    name: s.name,
    ...(s.sync_mode ? { syncMode: s.sync_mode } : {}),
    ...(s.destination_sync_mode ? { destinationSyncMode: s.destination_sync_mode } : {}),
    ...(s.cursor_field ? { cursorField: s.cursor_field } : {}),
    ...(s.fields ? { fields: s.fields } : {}),
  }));
}

/** The keys to open `rows`, or undefined when none of them holds a config (no key needed). */
async function keysFor(keys: SecretKeySource | undefined, rows: readonly PipelineRow[]): Promise<SecretKeyring | undefined> {
  if (!rows.some((row) => row.source_config_sealed !== null || row.destination_config_sealed !== null)) return undefined;
  const source = requireKeys(keys);
  const keyring = await source.load();
  if (!keyring) {
    const row = rows.find((r) => r.source_config_sealed !== null || r.destination_config_sealed !== null)!;
    const sealed = (row.source_config_sealed ?? row.destination_config_sealed)!;
    throw new SecretKeyError(
      `the configs of pipeline ${JSON.stringify(row.id)} are encrypted with key ${sealed.split('.')[1] ?? '?'}, but there is no key: ` +
        `SYNC_SECRET_KEY is unset and ${source.origin} does not exist. Restore that key (file or SYNC_SECRET_KEY), or delete the pipeline and create it again`,
    );
  }
  return keyring;
}

function openConfig(keyring: SecretKeyring | undefined, row: PipelineRow, role: ConnectorRole): Record<string, unknown> {
  const sealed = role === 'source' ? row.source_config_sealed : row.destination_config_sealed;
  if (sealed === null || !keyring) return {};
  try {
    return JSON.parse(keyring.open(sealed, context(row.id, role))) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    throw new SecretKeyError(`cannot read the ${role} config of pipeline ${JSON.stringify(row.id)}: ${error.message}`);
  }
}

function pipelineFromRow(row: PipelineRow, keyring: SecretKeyring | undefined): StoredPipeline {
  return {
    id: row.id,
    source: { name: row.source_connector ?? row.source, config: openConfig(keyring, row, 'source') },
    destination: { name: row.destination_connector ?? row.destination, config: openConfig(keyring, row, 'destination') },
    ...(row.streams ? { streams: streamsFromRow(row.streams) } : {}),
    configStored: row.source_config_sealed !== null && row.destination_config_sealed !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    operations: {
      ...(row.schedule ? { schedule: { cron: row.schedule.cron, timezone: row.schedule.timezone, jitterSeconds: row.schedule.jitter_seconds } } : {}),
      ...(row.next_run_at ? { nextRunAt: row.next_run_at } : {}),
      maxAttempts: row.max_attempts,
      ...(row.max_duration_seconds !== null ? { maxDurationSeconds: row.max_duration_seconds } : {}),
    },
  };
}

/**
 * Stores a new pipeline with its configs sealed with the current key (the key file is created on
 * first use).
 *
 * @throws ConflictError when a pipeline with that id exists (stored or made by `sync run`);
 *   SecretKeyError when the store has no key source; Error from Postgres.
 */
export async function createPipeline(
  pool: pg.Pool,
  schema: string,
  keys: SecretKeySource | undefined,
  pipeline: { id: string; source: ConnectorConfig; destination: ConnectorConfig; streams?: PipelineStream[] | undefined },
): Promise<StoredPipeline> {
  const keyring = await requireKeys(keys).loadOrCreate();
  const { id, source, destination } = pipeline;
  const { rows } = await pool.query<PipelineRow>(
    `INSERT INTO ${schema}.pipelines (id, source, destination, source_connector, destination_connector, source_config_sealed, destination_config_sealed, streams)
     VALUES ($1, $2, $3, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [
      id,
      source.name,
      destination.name,
      keyring.seal(JSON.stringify(source.config), context(id, 'source')),
      keyring.seal(JSON.stringify(destination.config), context(id, 'destination')),
      pipeline.streams ? JSON.stringify(streamsToRow(pipeline.streams)) : null,
    ],
  );
  if (!rows[0]) {
    throw new ConflictError(`pipeline ${JSON.stringify(id)} already exists: choose another id, or change that pipeline instead`);
  }
  return pipelineFromRow(rows[0], keyring);
}

/**
 * One pipeline with its configs opened, or undefined when there is none with that id.
 * @throws SecretKeyError when its configs are sealed with a key the store does not have.
 */
export async function getPipeline(pool: pg.Pool, schema: string, keys: SecretKeySource | undefined, id: string): Promise<StoredPipeline | undefined> {
  const { rows } = await pool.query<PipelineRow>(`SELECT ${COLUMNS} FROM ${schema}.pipelines WHERE id = $1`, [id]);
  return rows[0] ? pipelineFromRow(rows[0], await keysFor(keys, rows)) : undefined;
}

/**
 * Every pipeline, ordered by id, configs opened.
 * @throws SecretKeyError when a config is sealed with a key the store does not have.
 */
export async function listPipelines(pool: pg.Pool, schema: string, keys: SecretKeySource | undefined): Promise<StoredPipeline[]> {
  const { rows } = await pool.query<PipelineRow>(`SELECT ${COLUMNS} FROM ${schema}.pipelines ORDER BY id`);
  const keyring = await keysFor(keys, rows);
  return rows.map((row) => pipelineFromRow(row, keyring));
}

/**
 * Replaces the parts of a pipeline that `patch` gives (a connector's name, its whole config, the
 * stream selection), in one statement; the caller merges partial configs. A config given is sealed
 * with the current key.
 *
 * @returns the pipeline after the change, or undefined when there is none with that id.
 * @throws SecretKeyError when a config is given and the store has no key source, or when a stored
 *   config does not open; Error from Postgres.
 */
export async function updatePipeline(
  pool: pg.Pool,
  schema: string,
  keys: SecretKeySource | undefined,
  id: string,
  patch: PipelinePatch,
): Promise<StoredPipeline | undefined> {
  const sealing = patch.source?.config !== undefined || patch.destination?.config !== undefined;
  const keyring = sealing ? await requireKeys(keys).loadOrCreate() : undefined;
  const seal = (role: ConnectorRole, config: Record<string, unknown> | undefined) =>
    config === undefined ? null : keyring!.seal(JSON.stringify(config), context(id, role));
  const { rows } = await pool.query<PipelineRow>(
    `UPDATE ${schema}.pipelines SET source = coalesce($2, source), source_connector = coalesce($2, source_connector, source), source_config_sealed = coalesce($3, source_config_sealed),
       destination = coalesce($4, destination), destination_connector = coalesce($4, destination_connector, destination), destination_config_sealed = coalesce($5, destination_config_sealed),
       streams = CASE WHEN $6 THEN $7::jsonb ELSE streams END, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      patch.source?.name ?? null,
      seal('source', patch.source?.config),
      patch.destination?.name ?? null,
      seal('destination', patch.destination?.config),
      patch.streams !== undefined,
      patch.streams ? JSON.stringify(streamsToRow(patch.streams)) : null,
    ],
  );
  return rows[0] ? pipelineFromRow(rows[0], keyring ?? (await keysFor(keys, rows))) : undefined;
}

/**
 * Seals every stored pipeline config with the current key of `keyring`, in the caller's transaction
 * (`resealSecrets`), adding to `result` one count per config.
 *
 * @throws SecretKeyError naming the pipeline of a config sealed with a key the ring does not hold.
 */
export async function resealPipelineConfigs(client: pg.ClientBase, schema: string, keyring: SecretKeyring, result: ResealResult): Promise<void> {
  const { rows } = await client.query<PipelineRow>(
    `SELECT ${COLUMNS} FROM ${schema}.pipelines WHERE source_config_sealed IS NOT NULL OR destination_config_sealed IS NOT NULL FOR UPDATE`,
  );
  for (const row of rows) {
    const resealed: Partial<Record<ConnectorRole, string>> = {};
    for (const role of ['source', 'destination'] as const) {
      const sealed = role === 'source' ? row.source_config_sealed : row.destination_config_sealed;
      if (sealed === null) continue;
      if (sealed.split('.')[1] === keyring.currentId) {
        result.unchanged++;
        continue;
      }
      resealed[role] = keyring.seal(JSON.stringify(openConfig(keyring, row, role)), context(row.id, role));
      result.resealed++;
    }
    if (resealed.source === undefined && resealed.destination === undefined) continue;
    await client.query(
      `UPDATE ${schema}.pipelines SET source_config_sealed = coalesce($2, source_config_sealed),
         destination_config_sealed = coalesce($3, destination_config_sealed) WHERE id = $1`,
      [row.id, resealed.source ?? null, resealed.destination ?? null],
    );
  }
}
