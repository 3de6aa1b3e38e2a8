/**
 * Stream and field selection for a new pipeline: the source's catalog (Airbyte AirbyteCatalog, from
 * `POST /connectors/source/{name}/discover` with a config not yet stored) as choices, and the choices
 * as the pipeline's `streams` (docs/api.md "Streams and field selection"). Fields are top-level
 * properties; the primary key and the cursor are always synced, so they cannot be left out.
 */
import type { components } from '@sync/api-client';

type StreamConfig = components['schemas']['StreamConfig'];
type SyncMode = NonNullable<StreamConfig['sync_mode']>;

/** A stream of the catalog, as the streams step shows it. */
export interface DiscoveredStream {
  name: string;
  /** Top-level properties of its JSON Schema, in the schema's order. */
  fields: string[];
  supportedSyncModes: SyncMode[];
  /** Fields that are always synced: the first field of each primary key path and of the default cursor. */
  requiredFields: string[];
}

/** What the user chose for one stream. */
export interface StreamChoice {
  selected: boolean;
  /** Empty: the server's default (incremental where the stream supports it). */
  syncMode: SyncMode | '';
  /** Fields to sync; every field when it holds them all. */
  fields: ReadonlySet<string>;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** The streams of a catalog (`{streams: AirbyteStream[]}`); entries without a name are skipped. */
export function streamsOf(catalog: { streams: Record<string, unknown>[] }): DiscoveredStream[] {
  return catalog.streams.flatMap((stream) => {
    if (typeof stream.name !== 'string') return [];
    const schema = stream.json_schema as { properties?: Record<string, unknown> } | undefined;
    const keyPaths = Array.isArray(stream.source_defined_primary_key) ? (stream.source_defined_primary_key as unknown[]).map(strings) : [];
    const cursor = strings(stream.default_cursor_field);
    const requiredFields = [...new Set([...keyPaths.map((path) => path[0]), cursor[0]].filter((f): f is string => f !== undefined))];
    const supportedSyncModes = strings(stream.supported_sync_modes).filter((m): m is SyncMode => m === 'full_refresh' || m === 'incremental');
    return [{ name: stream.name, fields: Object.keys(schema?.properties ?? {}), supportedSyncModes, requiredFields }];
  });
}

/** Every stream selected with every field and the default sync mode: what the API does with no `streams`. */
export function defaultChoice(stream: DiscoveredStream): StreamChoice {
  return { selected: true, syncMode: '', fields: new Set(stream.fields) };
}

/**
 * The pipeline's `streams` for the choices: the selected streams in catalog order, with `sync_mode`
 * when one was chosen and `fields` when some were left out (the required ones always kept).
 */
export function streamConfigs(streams: readonly DiscoveredStream[], choices: ReadonlyMap<string, StreamChoice>): StreamConfig[] {
  return streams.flatMap((stream) => {
    const choice = choices.get(stream.name) ?? defaultChoice(stream);
    if (!choice.selected) return [];
    const config: StreamConfig = { name: stream.name };
    if (choice.syncMode) config.sync_mode = choice.syncMode;
    const fields = stream.fields.filter((f) => choice.fields.has(f) || stream.requiredFields.includes(f));
    if (fields.length < stream.fields.length && fields.length > 0) config.fields = fields;
    return [config];
  });
}
