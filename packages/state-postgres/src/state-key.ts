/**
 * Where an acknowledged STATE message is kept: its row key in `stream_states` and its counts.
 *
 * Airbyte protocol v0.3.2, AirbyteStateMessage: a state is `STREAM` (one stream), `GLOBAL` (shared
 * state plus every stream's state) or `LEGACY` (an opaque `data` object; also when `type` is absent).
 */
import type { AirbyteStateMessage } from '@sync/protocol';

/** Row key and counts of one STATE. GLOBAL and LEGACY states use `stream = ''`, `namespace = ''`. */
export interface StateKey {
  type: 'STREAM' | 'GLOBAL' | 'LEGACY';
  stream: string;
  namespace: string;
  /** `sourceStats.recordCount`: records the source emitted since its previous STATE. */
  sourceRecordCount: number | undefined;
  /** `destinationStats.recordCount`: records the destination committed since its previous STATE. */
  destinationRecordCount: number | undefined;
}

/**
 * The key of a STATE message (the message's `state` object, not the envelope).
 *
 * @throws Error when `type` is STREAM without `stream`, or GLOBAL without `global`.
 */
export function stateKey(state: AirbyteStateMessage): StateKey {
  const type = state.type ?? (state.stream ? 'STREAM' : state.global ? 'GLOBAL' : 'LEGACY');
  const counts = {
    sourceRecordCount: state.sourceStats?.recordCount,
    destinationRecordCount: state.destinationStats?.recordCount,
  };
  if (type === 'STREAM') {
    if (!state.stream) throw new Error('a STATE of type STREAM needs `stream.stream_descriptor`');
    const { name, namespace } = state.stream.stream_descriptor;
    return { type, stream: name, namespace: namespace ?? '', ...counts };
  }
  if (type === 'GLOBAL' && !state.global) throw new Error('a STATE of type GLOBAL needs `global`');
  return { type, stream: '', namespace: '', ...counts };
}

/**
 * Records covered by an acknowledged STATE: the destination's count when it gave one, else what the
 * engine forwarded before it (the destination acknowledged every one of them), else the source's
 * count, else 0.
 */
export function committedCount(key: StateKey, recordsForwarded?: number): number {
  return key.destinationRecordCount ?? recordsForwarded ?? key.sourceRecordCount ?? 0;
}
