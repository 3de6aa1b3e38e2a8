/**
 * The configured catalog of a run: which streams it syncs and, per stream, how the source reads it,
 * how the destination writes it and which of its top-level fields reach the destination (field
 * selection, as Airbyte's column selection: https://docs.airbyte.com/using-airbyte/configuring-schema).
 *
 * Without per-stream configuration this is `configureCatalog` of `@sync/protocol` (every stream or
 * `streams`, incremental where supported, `append_dedup` on the source-defined primary key). With
 * it, each stream's choices are checked against what the discovered catalog allows, and every
 * mistake is a RunConfigError that names the stream and says what it allows.
 */
import { configureCatalog, type AirbyteCatalog, type AirbyteStream, type ConfiguredAirbyteCatalog, type ConfiguredAirbyteStream, type DestinationSyncMode } from '@sync/protocol';
import { errorMessage, RunConfigError } from './errors.ts';
import { propertiesOf, propertyNames, selectFields } from './field-selection.ts';

/**
 * What a pipeline asks of one stream (snake_case on the wire of the HTTP API: `sync_mode`,
 * `destination_sync_mode`, `cursor_field`, `fields`). Unset choices take the defaults of
 * `configureCatalog`. Source: Airbyte protocol, ConfiguredAirbyteStream.
 */
export interface StreamConfig {
  /** The stream's name, as the source's `discover` lists it. */
  name: string;
  /** How the source reads it; one of the stream's `supported_sync_modes`. */
  syncMode?: 'full_refresh' | 'incremental';
  /**
   * How the destination writes it. `append_dedup` needs a source-defined primary key; `overwrite`
   * reads the stream in `full_refresh` (incremental with overwrite is refused, as on Airbyte).
   */
  destinationSyncMode?: 'append' | 'append_dedup' | 'overwrite';
  /**
   * Path of the cursor field, e.g. `["updated"]`, for an incremental read; must be in the stream's
   * schema, and equal the source's `default_cursor_field` when the source defines its cursor.
   */
  cursorField?: string[];
  /**
   * Top-level fields to keep (field selection): the stream's schema keeps only these, and the engine
   * drops the other top-level keys of its records before the destination sees them. The primary
   * key's and the cursor's top-level fields are always kept. Each must be a property of the schema.
   */
  fields?: string[];
}

/** What a run asks of the catalog: the run's options (`SyncOptions`) that shape it. */
export interface CatalogChoices {
  /** Streams to sync, in order; with `streamConfigs`, each must have one. */
  streams?: readonly string[];
  streamConfigs?: readonly StreamConfig[];
  /** Read every stream in `full_refresh`, from the beginning, whatever its configuration says. */
  fullRefresh?: boolean;
  /** How the destination writes every stream whose configuration does not say. */
  destinationSyncMode?: DestinationSyncMode;
}

/** A run's configured catalog and what the engine itself does per stream. */
export interface ConfiguredStreams {
  catalog: ConfiguredAirbyteCatalog;
  /**
   * Top-level fields each stream with a field selection keeps, by stream name; a stream without
   * one is absent (its records are forwarded unchanged).
   */
  fields: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Streams read from the beginning on purpose by their own configuration (`full_refresh` or
   * `overwrite`): no saved state is handed to the source for them, and they start a new generation.
   * The run-wide `fullRefresh` is not counted here.
   */
  fromScratch: ReadonlySet<string>;
}

/**
 * Builds the run's configured catalog from the discovered one.
 *
 * With `streamConfigs`, the streams synced are `streams` when given (each must have a config), else
 * the configured ones, in their order. A stream's own `destinationSyncMode` wins over the run's;
 * the run's `fullRefresh` wins over a stream's `incremental`.
 *
 * @throws RunConfigError naming the stream and what it allows: an unknown stream, a stream listed
 *   twice, a sync mode it does not support, `append_dedup` without a primary key, incremental with
 *   overwrite, a cursor it does not allow, or a selected field not in its schema.
 */
export function configureStreams(discovered: AirbyteCatalog, choices: CatalogChoices): ConfiguredStreams {
  const { streamConfigs } = choices;
  if (!streamConfigs) {
    let catalog: ConfiguredAirbyteCatalog;
    try {
      catalog = configureCatalog(discovered, {
        ...(choices.streams ? { streams: choices.streams } : {}),
        ...(choices.fullRefresh ? { fullRefresh: true } : {}),
        ...(choices.destinationSyncMode ? { destinationSyncMode: choices.destinationSyncMode } : {}),
      });
    } catch (error) {
      throw new RunConfigError(errorMessage(error), { cause: error });
    }
    return { catalog, fields: new Map(), fromScratch: new Set() };
  }
  const byConfig = new Map<string, StreamConfig>();
  for (const config of streamConfigs) {
    if (byConfig.has(config.name)) throw new RunConfigError(`stream ${config.name} is configured twice; give each stream one configuration`);
    byConfig.set(config.name, config);
  }
  const names = choices.streams ?? streamConfigs.map((c) => c.name);
  const unconfigured = names.filter((name) => !byConfig.has(name));
  if (unconfigured.length > 0) {
    throw new RunConfigError(
      `stream${unconfigured.length > 1 ? 's' : ''} ${unconfigured.join(', ')} ${unconfigured.length > 1 ? 'are' : 'is'} not among the pipeline's configured streams (${[...byConfig.keys()].join(', ')}); configure ${unconfigured.length > 1 ? 'them' : 'it'} or leave ${unconfigured.length > 1 ? 'them' : 'it'} out`,
    );
  }
  const byName = new Map(discovered.streams.map((s) => [s.name, s]));
  const unknown = names.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new RunConfigError(`unknown stream${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; available: ${[...byName.keys()].join(', ')}`);
  }
  const fields = new Map<string, ReadonlySet<string>>();
  const fromScratch = new Set<string>();
  const streams = names.map((name) => {
    const config = byConfig.get(name)!;
    const configured = configureStream(byName.get(name)!, config, choices);
    if (config.syncMode === 'full_refresh' || configured.destination_sync_mode === 'overwrite') fromScratch.add(name);
    if (!config.fields) return configured;
    const selection = selectFields(configured.stream, config.fields, keptFields(configured.stream, config));
    fields.set(name, selection.kept);
    return { ...configured, stream: { ...configured.stream, json_schema: selection.schema } };
  });
  return { catalog: { streams }, fields, fromScratch };
}

/** One stream's modes and cursor, checked against what the stream allows. */
function configureStream(stream: AirbyteStream, config: StreamConfig, choices: CatalogChoices): ConfiguredAirbyteStream {
  const name = stream.name;
  const supported = stream.supported_sync_modes;
  if (config.syncMode && !supported.includes(config.syncMode)) {
    throw new RunConfigError(`stream ${name} cannot be read in ${config.syncMode}; it supports ${supported.join(', ')}`);
  }
  const primaryKey = stream.source_defined_primary_key;
  const keyed = primaryKey !== undefined && primaryKey.length > 0;
  const destinationSyncMode = config.destinationSyncMode ?? choices.destinationSyncMode ?? (keyed ? 'append_dedup' : 'append');
  if (destinationSyncMode === 'append_dedup' && !keyed) {
    throw new RunConfigError(`append_dedup needs a primary key, and stream ${name} has none; use append or overwrite`);
  }
  if (config.syncMode === 'incremental' && config.destinationSyncMode === 'overwrite') {
    throw new RunConfigError(`stream ${name}: incremental cannot be written with overwrite (an overwrite rebuilds the table from a full read); use append or append_dedup, or full_refresh`);
  }
  const fullRefresh = choices.fullRefresh || destinationSyncMode === 'overwrite' || config.syncMode === 'full_refresh';
  const incremental = !fullRefresh && supported.includes('incremental');
  if (config.cursorField) checkCursor(stream, config.cursorField, config);
  const cursorField = config.cursorField ?? stream.default_cursor_field;
  return {
    stream,
    sync_mode: incremental ? 'incremental' : 'full_refresh',
    destination_sync_mode: destinationSyncMode,
    ...(incremental && cursorField ? { cursor_field: cursorField } : {}),
    ...(primaryKey ? { primary_key: primaryKey } : {}),
  };
}

/**
 * A configured cursor must be usable: the stream's own configuration does not read it in full (a
 * run-wide full refresh or overwrite only sets the cursor aside for that run), the source lets the
 * user choose it, and the schema has it.
 */
function checkCursor(stream: AirbyteStream, cursorField: readonly string[], config: StreamConfig): void {
  const name = stream.name;
  const path = cursorField.join('.');
  const readInFull = config.syncMode === 'full_refresh' || config.destinationSyncMode === 'overwrite';
  if (readInFull || !stream.supported_sync_modes.includes('incremental')) {
    throw new RunConfigError(`stream ${name} is read in full_refresh, which has no cursor; drop cursor_field ${path} or read it incrementally`);
  }
  const sourceDefined = stream.default_cursor_field;
  if (stream.source_defined_cursor && sourceDefined && sourceDefined.join('.') !== path) {
    throw new RunConfigError(`stream ${name}: its source defines the cursor (${sourceDefined.join('.')}), so cursor_field cannot be ${path}; drop cursor_field`);
  }
  if (cursorField.length === 0 || !hasPath(stream.json_schema, cursorField)) {
    throw new RunConfigError(`stream ${name} has no field ${path || '(empty path)'} for a cursor; choose one of its schema's fields: ${propertyNames(stream.json_schema).join(', ')}`);
  }
}

/** The top-level fields a field selection always keeps: the primary key's, and the cursor's (the configured one, else the source's default). */
function keptFields(stream: AirbyteStream, config: StreamConfig): string[] {
  const cursor = config.cursorField ?? stream.default_cursor_field;
  return [...(stream.source_defined_primary_key ?? []), ...(cursor ? [cursor] : [])].flatMap((path) => (path[0] === undefined ? [] : [path[0]]));
}

/** Whether a JSON Schema lists `path` through nested `properties`. */
function hasPath(schema: unknown, path: readonly string[]): boolean {
  let node = schema;
  for (const key of path) {
    const properties = propertiesOf(node);
    if (!properties || !Object.hasOwn(properties, key)) return false;
    node = properties[key];
  }
  return true;
}
