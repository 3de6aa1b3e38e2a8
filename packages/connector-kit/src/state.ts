/**
 * The state a source is handed by `read --state F`. Airbyte passes either a list of STATE messages
 * (per-stream or global) or, for LEGACY connectors, one bare object. This module turns any of those
 * into one shape: stream name → that stream's state blob.
 */
import * as z from 'zod';
import { AirbyteStateMessage } from '@sync/protocol';

/** Last committed state per stream: stream name → `stream_state` blob. */
export type StreamStates = ReadonlyMap<string, Record<string, unknown>>;

const StateFile = z.union([z.array(AirbyteStateMessage), z.record(z.string(), z.unknown())]);

/**
 * Parses the content of a state file.
 *
 * @returns the per-stream states, plus `legacy` (a bare state object) and `shared` (GLOBAL shared state).
 * @throws Error when the content is neither a list of STATE messages nor a JSON object.
 */
export function parseStateInput(value: unknown): {
  streams: StreamStates;
  shared?: Record<string, unknown>;
  legacy?: Record<string, unknown>;
} {
  const parsed = StateFile.safeParse(value);
  if (!parsed.success) throw new Error('state must be a list of STATE messages or a JSON object');
  if (!Array.isArray(parsed.data)) return { streams: new Map(), legacy: parsed.data };
  const streams = new Map<string, Record<string, unknown>>();
  let shared: Record<string, unknown> | undefined;
  let legacy: Record<string, unknown> | undefined;
  for (const state of parsed.data) {
    // A LEGACY state in a list (as the engine hands it back) carries only `data`.
    if (state.data && !state.stream && !state.global) legacy = state.data;
    if (state.stream) streams.set(state.stream.stream_descriptor.name, state.stream.stream_state ?? {});
    if (state.global) {
      shared = state.global.shared_state ?? shared;
      for (const s of state.global.stream_states) streams.set(s.stream_descriptor.name, s.stream_state ?? {});
    }
  }
  return { streams, ...(shared ? { shared } : {}), ...(legacy ? { legacy } : {}) };
}
