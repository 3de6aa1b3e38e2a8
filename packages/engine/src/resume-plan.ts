/**
 * Which saved states a read resumes from, and how the destination can check that it still holds what
 * they claim (the checkpoint-missing extension, `@sync/protocol` checkpoint-missing.ts).
 */
import { stateHash, type ConfiguredAirbyteCatalog, type AirbyteStateMessage } from '@sync/protocol';

export interface ResumePlan {
  /** The configured catalog, with `resume_state_hash` on every stream resumed from a STREAM state. */
  catalog: ConfiguredAirbyteCatalog;
  /** The states to hand the source (`read --state`). */
  state: AirbyteStateMessage[];
  /** Streams of the catalog resumed from a saved state, in the order of `state`. */
  resumed: string[];
}

/**
 * Plans a read from the pipeline's `saved` states, leaving out the STREAM states of the `dropped`
 * streams (read again from the beginning). For each stream resumed from a STREAM state the catalog
 * gets `resume_state_hash = stateHash(savedState, [generation_id])`: the identity under which the
 * destination recorded that checkpoint when it committed it. GLOBAL and LEGACY states are handed over
 * unchanged, with no hash.
 */
export function planResume(catalog: ConfiguredAirbyteCatalog, saved: readonly AirbyteStateMessage[], dropped: ReadonlySet<string>): ResumePlan {
  const configured = new Map(catalog.streams.map((s) => [s.stream.name, s]));
  const state = saved.filter((s) => !(s.stream && dropped.has(s.stream.stream_descriptor.name)));
  const hashes = new Map<string, string>();
  const resumed: string[] = [];
  for (const s of state) {
    const name = s.stream?.stream_descriptor.name;
    const stream = name === undefined ? undefined : configured.get(name);
    if (!stream || name === undefined) continue;
    resumed.push(name);
    hashes.set(name, stateHash(s, [stream.generation_id ?? 0]));
  }
  return {
    catalog: {
      ...catalog,
      streams: catalog.streams.map((s) => {
        const hash = hashes.get(s.stream.name);
        return hash === undefined ? s : { ...s, resume_state_hash: hash };
      }),
    },
    state,
    resumed,
  };
}
