/**
 * Catalogs: what a source can produce (`AirbyteCatalog`, from `discover`) and what a sync asks of it
 * (`ConfiguredAirbyteCatalog`, handed to `read` and `write`).
 *
 * Source: Airbyte protocol v0.3.2, definitions AirbyteCatalog, AirbyteStream,
 * ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, SyncMode, DestinationSyncMode.
 */
import { z } from 'zod';

export const SyncMode = z.enum(['full_refresh', 'incremental']).describe('How the source reads a stream.');
export type SyncMode = z.infer<typeof SyncMode>;

export const DestinationSyncMode = z
  .enum(['append', 'overwrite', 'append_dedup', 'update'])
  .describe('How the destination writes a stream.');
export type DestinationSyncMode = z.infer<typeof DestinationSyncMode>;

/** A path into a record, such as `["id"]` or `["customer", "id"]`. */
const FieldPath = z.array(z.string());

export const AirbyteStream = z.looseObject({
  name: z.string().describe("Stream's name, unique within a catalog (with its namespace)."),
  json_schema: z.record(z.string(), z.unknown()).describe('JSON Schema of one record of the stream.'),
  supported_sync_modes: z.array(SyncMode).min(1),
  source_defined_cursor: z.boolean().optional(),
  default_cursor_field: FieldPath.optional().describe('Field the source uses as its cursor, e.g. ["created"].'),
  source_defined_primary_key: z.array(FieldPath).optional().describe('Primary key paths, e.g. [["id"]].'),
  namespace: z.string().optional(),
  is_resumable: z.boolean().optional(),
});
export type AirbyteStream = z.infer<typeof AirbyteStream>;

export const AirbyteCatalog = z.looseObject({ streams: z.array(AirbyteStream) });
export type AirbyteCatalog = z.infer<typeof AirbyteCatalog>;

export const ConfiguredAirbyteStream = z.looseObject({
  stream: AirbyteStream,
  sync_mode: SyncMode,
  destination_sync_mode: DestinationSyncMode,
  cursor_field: FieldPath.optional().describe('Required when sync_mode is incremental.'),
  primary_key: z.array(FieldPath).optional().describe('Required when destination_sync_mode is append_dedup.'),
});
export type ConfiguredAirbyteStream = z.infer<typeof ConfiguredAirbyteStream>;

export const ConfiguredAirbyteCatalog = z.looseObject({ streams: z.array(ConfiguredAirbyteStream) });
export type ConfiguredAirbyteCatalog = z.infer<typeof ConfiguredAirbyteCatalog>;

/**
 * Builds a configured catalog from a discovered one: every stream (or only `streams`, in the given
 * order), incremental where the stream supports it, upserted by its source-defined primary key.
 *
 * @throws Error naming the unknown streams and the available ones when `streams` asks for one the
 *   catalog lacks.
 */
export function configureCatalog(
  catalog: AirbyteCatalog,
  options: { streams?: readonly string[]; fullRefresh?: boolean } = {},
): ConfiguredAirbyteCatalog {
  const byName = new Map(catalog.streams.map((s) => [s.name, s]));
  const wanted = options.streams ?? catalog.streams.map((s) => s.name);
  const unknown = wanted.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown stream${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; available: ${[...byName.keys()].join(', ')}`,
    );
  }
  return {
    streams: wanted.map((name) => {
      const stream = byName.get(name)!;
      const incremental = !options.fullRefresh && stream.supported_sync_modes.includes('incremental');
      const primaryKey = stream.source_defined_primary_key;
      return {
        stream,
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        destination_sync_mode: primaryKey && primaryKey.length > 0 ? 'append_dedup' : 'append',
        ...(incremental && stream.default_cursor_field ? { cursor_field: stream.default_cursor_field } : {}),
        ...(primaryKey ? { primary_key: primaryKey } : {}),
      };
    }),
  };
}
