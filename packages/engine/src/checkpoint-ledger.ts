/**
 * Record-count reconciliation. For every STATE the engine forwards it notes how many records of that
 * stream it passed to the destination since the stream's previous STATE; when the destination
 * acknowledges the STATE, the three counts are compared: the source's claim (`sourceStats.recordCount`),
 * what the engine forwarded, and the destination's claim (`destinationStats.recordCount`).
 *
 * Acknowledgements are paired with forwarded states by content (the destination re-emits a STATE
 * unchanged but for `destinationStats`; Airbyte protocol, "State & Checkpointing"). A destination may
 * acknowledge only the latest of several states; the skipped ones are folded into it.
 */
import type { StateMessage } from '@sync/protocol';

/** Key of a STATE in the ledger: the stream name, or `''` for a GLOBAL or LEGACY state. */
export function ledgerKey(state: StateMessage): string {
  return state.stream?.stream_descriptor.name ?? '';
}

/** JSON with object keys sorted, so equal states compare equal whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A STATE's identity: everything but the stats that source and destination add. */
function fingerprint(state: StateMessage): string {
  const { sourceStats: _source, destinationStats: _destination, ...rest } = state;
  return canonical(rest);
}

export interface Acknowledgement {
  key: string;
  /** Records the engine forwarded for this checkpoint (and any skipped before it). */
  forwarded: number | undefined;
  /** The same, stream by stream: one entry for a STREAM state, every stream for GLOBAL or LEGACY. */
  byStream: Record<string, number>;
  /** One line describing a disagreement between the counts, when there is one. */
  mismatch: string | undefined;
}

interface Pending {
  fingerprint: string;
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
  stateForwarded(state: StateMessage): void {
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
    queue.push({ fingerprint: fingerprint(state), forwarded, byStream, source: state.sourceStats?.recordCount });
    this.#pending.set(key, queue);
  }

  /** The destination acknowledged `state`: pair it with what was forwarded and compare counts. */
  acknowledged(state: StateMessage): Acknowledgement {
    const key = ledgerKey(state);
    const label = key === '' ? 'global state' : key;
    const queue = this.#pending.get(key) ?? [];
    const print = fingerprint(state);
    const index = queue.findIndex((p) => p.fingerprint === print);
    if (index === -1) {
      return {
        key,
        forwarded: undefined,
        byStream: {},
        mismatch: `${label}: the destination acknowledged a STATE the source never sent`,
      };
    }
    const covered = queue.splice(0, index + 1);
    const forwarded = covered.reduce((n, p) => n + p.forwarded, 0);
    const byStream: Record<string, number> = {};
    for (const p of covered) for (const [stream, n] of Object.entries(p.byStream)) byStream[stream] = (byStream[stream] ?? 0) + n;
    const claims = covered.map((p) => p.source);
    const source = claims.every((c) => c !== undefined) ? claims.reduce((n: number, c) => n + c!, 0) : undefined;
    const destination = state.destinationStats?.recordCount;
    const disagree = (source !== undefined && source !== forwarded) || (destination !== undefined && destination !== forwarded);
    const mismatch = disagree
      ? `${label}: record counts disagree at a checkpoint: source said ${source ?? 'nothing'}, ` +
        `engine forwarded ${forwarded}, destination committed ${destination ?? 'nothing'}`
      : undefined;
    return { key, forwarded, byStream, mismatch };
  }
}
