/**
 * The `--state FILE` a source is handed when it resumes, built the way the engine builds it from the
 * states a destination acknowledged: the latest STATE of each stream (and the latest GLOBAL or
 * LEGACY one), as a list of STATE messages; a LEGACY connector gets the bare `data` object back
 * (Airbyte protocol, "State & Checkpointing":
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing).
 */

/** A STATE message's `state` as it appears on the wire (only the fields the suite looks at are typed). */
export interface WireState {
  type?: string;
  stream?: { stream_descriptor: { name: string }; stream_state?: Record<string, unknown> };
  global?: Record<string, unknown>;
  data?: Record<string, unknown>;
  sourceStats?: { recordCount?: number };
  destinationStats?: { recordCount?: number };
}

/** The key under which the engine keeps a state: its stream's name, or `''` for GLOBAL and LEGACY states. */
export function stateKey(state: WireState): string {
  return state.stream?.stream_descriptor.name ?? '';
}

/**
 * The content of the state file for a source that emitted `states` (in order) and was stopped after
 * the last of them: the latest state per key, without `sourceStats`/`destinationStats`.
 *
 * @returns a list of STATE messages, the bare `data` of a lone LEGACY state, or undefined when
 *   `states` is empty (a first read: no `--state` at all).
 */
export function stateFileOf(states: readonly WireState[]): unknown {
  const latest = new Map<string, WireState>();
  for (const { sourceStats: _source, destinationStats: _destination, ...state } of states) latest.set(stateKey(state), state);
  const list = [...latest.values()];
  if (list.length === 0) return undefined;
  const only = list.length === 1 ? list[0]! : undefined;
  if (only && (only.type === 'LEGACY' || (!only.type && !only.stream && !only.global))) return only.data ?? {};
  return list;
}
