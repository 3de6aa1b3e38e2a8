/**
 * "The destination no longer holds what the saved state claims": the wire format of an extension of
 * the Airbyte protocol (additive: connectors that know nothing of it never see or send it).
 *
 * When the engine resumes a stream from a saved STREAM state, it puts that state's `stateHash` in the
 * configured stream as `resume_state_hash`. A destination that keeps its own record of committed
 * checkpoints (the Postgres destination's `_sync_checkpoints`) checks, before reading any input, that
 * it holds each such checkpoint. For the streams where it does not (the table or schema was dropped,
 * or restored from an older backup), it fails with a TRACE ERROR whose `internal_message` is
 * `checkpoint_missing:` followed by a JSON array of the stream names
 * (`checkpoint_missing:["customers","invoices"]`). The engine then warns once and reads those streams
 * again from the beginning. (Connectors on the connector kit throw its `CheckpointMissing` error.)
 */
import type { AirbyteTraceMessage } from './messages.ts';

const PREFIX = 'checkpoint_missing:';

/** The `internal_message` of a TRACE ERROR reporting that the checkpoints of `streams` are missing. */
export function checkpointMissingMessage(streams: readonly string[]): string {
  return `${PREFIX}${JSON.stringify(streams)}`;
}

/** The streams a TRACE ERROR reports as missing their checkpoint, or `undefined` for any other trace. */
export function parseCheckpointMissing(trace: AirbyteTraceMessage): string[] | undefined {
  const internal = trace.error?.internal_message;
  if (trace.type !== 'ERROR' || !internal?.startsWith(PREFIX)) return undefined;
  try {
    const streams: unknown = JSON.parse(internal.slice(PREFIX.length));
    return Array.isArray(streams) && streams.every((s) => typeof s === 'string') ? streams : undefined;
  } catch {
    return undefined;
  }
}
