/**
 * Canonical JSON and the identity of a state checkpoint: the one place where "these two states are the
 * same" is decided, for the engine (pairing acknowledgements with forwarded states), destinations (the
 * replay guard) and the conformance kit.
 */
import { createHash } from 'node:crypto';
import type { AirbyteStateMessage } from './messages.ts';

/** JSON with object keys sorted at every level and `undefined` members left out, so that equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Identity of a STATE: sha256 (hex, 64 characters) of its canonical JSON without `sourceStats` and
 * `destinationStats`, and of the generations of the streams it closes (configured catalog
 * `generation_id`; when every generation is 0, or none is given, the blob alone is hashed).
 * The source's copy and the destination's acknowledgement of one state have the same hash.
 */
export function stateHash(state: AirbyteStateMessage, generations: readonly number[] = []): string {
  const { sourceStats: _source, destinationStats: _destination, ...blob } = state;
  const hash = createHash('sha256').update(canonicalJson(blob));
  if (generations.some((g) => g !== 0)) hash.update(`\ngenerations:${generations.join(',')}`);
  return hash.digest('hex');
}
