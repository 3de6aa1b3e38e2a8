/**
 * Record-count reconciliation. For every STATE the engine forwards it notes how many records of that
 * stream it passed to the destination since the stream's previous STATE; when the destination
 * acknowledges the STATE, the three counts are compared: the source's claim (`sourceStats.recordCount`),
 * what the engine forwarded, and the destination's claim (`destinationStats.recordCount`).
 *
 * Acknowledgements are paired with forwarded states by identity (`stateHash` from @sync/protocol: the
 * destination re-emits a STATE unchanged but for `destinationStats`; Airbyte protocol, "State &
 * Checkpointing"). A destination may acknowledge only the latest of several states; the skipped ones
 * are folded into it. An acknowledgement that matches nothing forwarded is refused, never persisted.
 */
import { stateHash, type AirbyteStateMessage } from '@sync/protocol';

/** Key of a STATE in the ledger: the stream name, or `''` for a GLOBAL or LEGACY state. */
export function ledgerKey(state: AirbyteStateMessage): string {
  return state.stream?.stream_descriptor.name ?? '';
}

export interface Acknowledgement {
  key: string;
  /** Records the engine forwarded for this checkpoint (and any skipped before it). */
  forwarded: number;
  /** The same, stream by stream: one entry for a STREAM state, every stream for GLOBAL or LEGACY. */
  byStream: Record<string, number>;
  /** One line describing a disagreement between the counts, when there is one. */
  mismatch: string | undefined;
  /**
   * What to persist: the SOURCE's copy of the state (never the destination's echo, which may differ in
   * anything but its identity), with `sourceStats.recordCount` summed over the states it covers (when
   * the source counted all of them) and the destination's `destinationStats`.
   */
  state: AirbyteStateMessage;
}

interface Pending {
  /** `stateHash` of the state: equal for the source's copy and its acknowledgement. */
  hash: string;
  state: AirbyteStateMessage;
  forwarded: number;
  byStream: Record<string, number>;
  source: number | undefined;
}

export class CheckpointLedger {
  readonly #sinceState = new Map<string, number>();
  #sinceGlobal = 0;
  readonly #pending = new Map<string, Pending[]>();

  /** A RECORD of `stream` went to the destination. */
  recordForwarded(stream: string): void {
    this.#sinceState.set(stream, (this.#sinceState.get(stream) ?? 0) + 1);
    this.#sinceGlobal++;
  }

  /** A STATE went to the destination. */
  stateForwarded(state: AirbyteStateMessage): void {
    const key = ledgerKey(state);
    let forwarded: number;
    let byStream: Record<string, number>;
    if (key === '') {
      forwarded = this.#sinceGlobal;
      byStream = Object.fromEntries(this.#sinceState);
      this.#sinceGlobal = 0;
      this.#sinceState.clear();
    } else {
      forwarded = this.#sinceState.get(key) ?? 0;
      byStream = { [key]: forwarded };
      this.#sinceState.set(key, 0);
    }
    const queue = this.#pending.get(key) ?? [];
    queue.push({ hash: stateHash(state), state, forwarded, byStream, source: state.sourceStats?.recordCount });
    this.#pending.set(key, queue);
  }

  /**
   * The destination acknowledged `acknowledged`: pair it with a state forwarded (by `stateHash`, so key
   * order and stats do not matter), fold in the states before it that were never acknowledged, and
   * compare counts.
   *
   * @returns undefined when no forwarded state matches: the source never sent it, or the destination
   *   acknowledged it twice or after a later one. The engine must not persist such a state.
   */
  acknowledged(acknowledged: AirbyteStateMessage): Acknowledgement | undefined {
    const key = ledgerKey(acknowledged);
    const label = key === '' ? 'global state' : key;
    const queue = this.#pending.get(key) ?? [];
    const hash = stateHash(acknowledged);
    const index = queue.findIndex((p) => p.hash === hash);
    if (index === -1) return undefined;
    const covered = queue.splice(0, index + 1);
    const forwarded = covered.reduce((n, p) => n + p.forwarded, 0);
    const byStream: Record<string, number> = {};
    for (const p of covered) for (const [stream, n] of Object.entries(p.byStream)) byStream[stream] = (byStream[stream] ?? 0) + n;
    const claims = covered.map((p) => p.source);
    const source = claims.every((c) => c !== undefined) ? claims.reduce((n: number, c) => n + c!, 0) : undefined;
    const destination = acknowledged.destinationStats?.recordCount;
    const disagree = (source !== undefined && source !== forwarded) || (destination !== undefined && destination !== forwarded);
    const mismatch = disagree
      ? `${label}: record counts disagree at a checkpoint: source said ${source ?? 'nothing'}, ` +
        `engine forwarded ${forwarded}, destination committed ${destination ?? 'nothing'}`
      : undefined;
    const { sourceStats: _source, destinationStats: _destination, ...sent } = covered.at(-1)!.state;
    const state: AirbyteStateMessage = {
      ...sent,
      ...(source !== undefined ? { sourceStats: { ...covered.at(-1)!.state.sourceStats, recordCount: source } } : {}),
      ...(acknowledged.destinationStats ? { destinationStats: acknowledged.destinationStats } : {}),
    };
    return { key, forwarded, byStream, mismatch, state };
  }
}
