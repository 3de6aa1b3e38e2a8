/**
 * Counting records between STATE messages, for the `destinationStats.recordCount` a destination adds
 * when it acknowledges a state (Airbyte protocol, AirbyteStateStats:
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing).
 */
import type { AirbyteStateMessage, MessageOf } from '@sync/protocol';

/** Records received per stream since that stream's previous STATE (or since any GLOBAL/LEGACY state). */
export class RecordCounts {
  readonly #perStream = new Map<string, number>();

  add(stream: string): void {
    this.#perStream.set(stream, (this.#perStream.get(stream) ?? 0) + 1);
  }

  /**
   * The count a STATE acknowledges, reset to zero: a per-stream state counts its own stream's
   * records; a GLOBAL or LEGACY state covers every stream, so it counts them all.
   */
  take(state: AirbyteStateMessage): number {
    const stream = state.type === 'STREAM' ? state.stream?.stream_descriptor.name : undefined;
    if (stream !== undefined) {
      const count = this.#perStream.get(stream) ?? 0;
      this.#perStream.delete(stream);
      return count;
    }
    let count = 0;
    for (const n of this.#perStream.values()) count += n;
    this.#perStream.clear();
    return count;
  }
}

/** The STATE message unchanged, plus `destinationStats: { recordCount }`. */
export function acknowledge(message: MessageOf<'STATE'>, recordCount: number): MessageOf<'STATE'> {
  return { ...message, state: { ...message.state, destinationStats: { recordCount } } };
}
