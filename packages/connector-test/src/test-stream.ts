/**
 * The stream the destination suite writes, `conformance_widgets` (`{id, name, updated}`, primary key
 * `id`, cursor `updated`, incremental + append_dedup), and the stdin lines that carry it.
 */
import type { ConfiguredAirbyteCatalog } from '@sync/protocol';

/** The stream the destination suite writes. */
export const TEST_STREAM = 'conformance_widgets';

/** The configured catalog handed to `write --catalog`. */
export const testCatalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: {
        name: TEST_STREAM,
        json_schema: {
          type: 'object',
          properties: { id: { type: 'string' }, name: { type: 'string' }, updated: { type: 'integer' } },
        },
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['updated'],
        source_defined_primary_key: [['id']],
      },
      sync_mode: 'incremental',
      destination_sync_mode: 'append_dedup',
      cursor_field: ['updated'],
      primary_key: [['id']],
    },
  ],
};

/** A record's data: `updated` is the cursor, epoch seconds. */
export interface Widget {
  id: string;
  name: string;
  updated: number;
}

/** A widget row, as both the record's data and the row `readBack` must print. */
export const widget = (id: string, name: string, updated: number): Widget => ({ id, name, updated });

/** `emitted_at` of every message the suite sends (epoch ms). */
export const EMITTED_AT = 1700000000000;

/** A message as one stdin line. */
export const line = (message: unknown): string => JSON.stringify(message);

/** A RECORD of the test stream carrying `data`, as one stdin line. */
export const recordLine = (data: Widget): string => line({ type: 'RECORD', record: { stream: TEST_STREAM, data, emitted_at: EMITTED_AT } });

/** A STREAM state of the test stream at cursor `position`, closing `count` records. */
export const stateOf = (position: number, count: number) => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name: TEST_STREAM }, stream_state: { updated: position } },
  sourceStats: { recordCount: count },
});

/** A STATE message carrying `state`, as one stdin line. */
export const stateLine = (state: ReturnType<typeof stateOf>): string => line({ type: 'STATE', state });

/** True for a stdout line that is a STATE message (an acknowledgement). */
export const isStateLine = (output: { json: unknown }): boolean => (output.json as { type?: unknown } | undefined)?.type === 'STATE';
