/**
 * Catalogs: what a source can produce (`AirbyteCatalog`, from `discover`) and what a sync asks of it
 * (`ConfiguredAirbyteCatalog`, handed to `read` and `write`).
 *
 * Source: Airbyte protocol v0.3.2, definitions AirbyteCatalog, AirbyteStream,
 * ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, SyncMode, DestinationSyncMode.
 */
import * as z from 'zod';

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
  generation_id: z
    .number()
    .int()
    .optional()
    .describe('Generation of the stream: one more each time its data is read again from scratch on purpose (full refresh, reset).'),
  minimum_generation_id: z.number().int().optional().describe('Data of older generations may be deleted by the destination (overwrite); 0 keeps it.'),
  sync_id: z.number().int().optional().describe('Id of this sync, unique per sync.'),
  resume_state_hash: z
    .string()
    .optional()
    .describe(
      'Extension (additive): `stateHash` of the saved STREAM state the source resumes this stream from. A destination that records its checkpoints fails with `checkpoint_missing` when it does not hold it (see checkpoint-missing.ts).',
    ),
});
export type ConfiguredAirbyteStream = z.infer<typeof ConfiguredAirbyteStream>;

export const ConfiguredAirbyteCatalog = z.looseObject({ streams: z.array(ConfiguredAirbyteStream) });
export type ConfiguredAirbyteCatalog = z.infer<typeof ConfiguredAirbyteCatalog>;

/** What a sync asks of each stream; see `configureCatalog`. */
export interface CatalogOptions {
  /** Streams to sync, in this order (default: every stream of the catalog). */
  streams?: readonly string[];
  /** Read every stream from the beginning (`full_refresh`), even where incremental is supported. */
  fullRefresh?: boolean;
  /**
   * How the destination writes every stream (default: `append_dedup` where the stream has a primary
   * key, else `append`). `overwrite` implies `full_refresh`: the table is rebuilt from a whole read.
   */
  destinationSyncMode?: DestinationSyncMode;
}

/**
 * Builds a configured catalog from a discovered one: every stream (or only `streams`, in the given
 * order), incremental where the stream supports it, upserted by its source-defined primary key.
 *
 * @throws Error naming the unknown streams and the available ones when `streams` asks for one the
 *   catalog lacks, or the streams without a primary key when `append_dedup` is asked for.
 */
export function configureCatalog(catalog: AirbyteCatalog, options: CatalogOptions = {}): ConfiguredAirbyteCatalog {
  const byName = new Map(catalog.streams.map((s) => [s.name, s]));
  const wanted = options.streams ?? catalog.streams.map((s) => s.name);
  const unknown = wanted.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown stream${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; available: ${[...byName.keys()].join(', ')}`,
    );
  }
  const keyless = wanted.filter((name) => !(byName.get(name)!.source_defined_primary_key?.length ?? 0));
  if (options.destinationSyncMode === 'append_dedup' && keyless.length > 0) {
    throw new Error(`append_dedup needs a primary key, and stream${keyless.length > 1 ? 's' : ''} ${keyless.join(', ')} ha${keyless.length > 1 ? 've' : 's'} none; use append or overwrite`);
  }
  const fullRefresh = options.fullRefresh || options.destinationSyncMode === 'overwrite';
  return {
    streams: wanted.map((name) => {
      const stream = byName.get(name)!;
      const incremental = !fullRefresh && stream.supported_sync_modes.includes('incremental');
      const primaryKey = stream.source_defined_primary_key;
      const keyed = primaryKey !== undefined && primaryKey.length > 0;
      return {
        stream,
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        destination_sync_mode: options.destinationSyncMode ?? (keyed ? 'append_dedup' : 'append'),
        ...(incremental && stream.default_cursor_field ? { cursor_field: stream.default_cursor_field } : {}),
        ...(primaryKey ? { primary_key: primaryKey } : {}),
      };
    }),
  };
}
