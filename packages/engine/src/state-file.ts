import type { AirbyteStateMessage } from '@sync/protocol';

/**
 * What to write as the source's `--state FILE`, from the pipeline's acknowledged states.
 *
 * Airbyte protocol ("State & Checkpointing"): per-stream and global states are passed as the list of
 * STATE messages; a LEGACY connector (state with only `data`) gets the bare `data` object back.
 *
 * @returns undefined when there is no state (a first run: no `--state` flag at all).
 */
export function stateFileContent(states: readonly AirbyteStateMessage[]): unknown {
  if (states.length === 0) return undefined;
  const only = states.length === 1 ? states[0]! : undefined;
  const legacy = only && (only.type === 'LEGACY' || (!only.type && !only.stream && !only.global));
  if (legacy) return only.data ?? {};
  return states;
}
