/**
 * The destination half of a run: every STATE the destination re-emits (acknowledges) is matched to
 * the state the source sent, reconciled, and persisted (the source's copy), in order. Reading goes on
 * while the store saves: the acknowledgements that arrive meanwhile are saved together, in one
 * transaction (`RunStore.commitStates`), so a destination that acknowledges a burst of states at once
 * (after a group commit) costs the store one round of statements, not one per state.
 */
import { parseCheckpointMissing, type FailureType } from '@sync/protocol';
import { errorMessage } from './errors.ts';
import { errorTraceOf, handleLogOrControl, type RunContext } from './run-context.ts';

/** Thrown when the state store cannot persist an acknowledged STATE. */
export class CheckpointNotSaved extends Error {}

/** Thrown when the destination acknowledges a STATE the engine cannot match to one the source sent. */
export class UnknownAcknowledgement extends Error {}

/** The destination's TRACE ERROR; `missing` when it is a checkpoint-missing report (@sync/protocol). */
export interface DestinationErrorTrace {
  message: string;
  failureType: FailureType;
  /** Streams whose saved state the destination no longer holds the data of. */
  missing?: string[];
}

/** At most this many characters of an unmatched acknowledgement go into the error. */
const SNIPPET_CHARS = 200;

/**
 * Runs until the destination's stdout ends. Each message the destination sends resets its idle timer.
 *
 * @param onError receives the destination's TRACE ERROR, if it sends one.
 * @throws ProtocolError for an invalid line; CheckpointNotSaved when the store fails (a run that lost
 *   its pipeline lock included); UnknownAcknowledgement for a STATE the source never sent, or one
 *   acknowledged twice or after a later one.
 */
export async function readAcknowledgements(context: RunContext, onError: (error: DestinationErrorTrace) => void): Promise<void> {
  const { ledger } = context;
  const name = context.destination.command.name;
  const saver = new CheckpointSaver(context);
  const lines = context.destination.lines[Symbol.asyncIterator]();
  for (;;) {
    const next = await saver.whileSaving(lines.next());
    if (next.done) break;
    const { message, lineNumber, line } = next.value;
    context.idle.destination.touch();
    if (message.type !== 'STATE') {
      const error = errorTraceOf(message);
      if (error) {
        const missing = message.type === 'TRACE' ? parseCheckpointMissing(message.trace) : undefined;
        onError({ ...error, ...(missing ? { missing } : {}) });
      } else await handleLogOrControl(context, 'destination', message);
      continue;
    }
    const acknowledgement = ledger.acknowledged(message.state);
    if (!acknowledgement) {
      const snippet = line.length > SNIPPET_CHARS ? `${line.slice(0, SNIPPET_CHARS)}…` : line;
      throw new UnknownAcknowledgement(
        `${name}: line ${lineNumber}: acknowledged a STATE that the source never sent, or acknowledged it twice or out of order ` +
          `(${snippet}); the engine saves only states it forwarded, so the run stops here. Checkpoints saved before it are ` +
          'kept; the destination is at fault: report it to its maintainers',
      );
    }
    saver.add(acknowledgement, message.state.destinationStats?.recordCount);
  }
  await saver.drain();
}

type Acknowledgement = NonNullable<ReturnType<RunContext['ledger']['acknowledged']>>;

/**
 * Saves acknowledged states in order, each burst in one transaction, and emits their `checkpoint`
 * (and `count_mismatch`) events once saved.
 */
class CheckpointSaver {
  readonly #context: RunContext;
  #queue: { acknowledgement: Acknowledgement; destinationCount: number | undefined }[] = [];
  #saving: Promise<void> | undefined;
  #failure: CheckpointNotSaved | undefined;
  /** Rejects the read `whileSaving` waits on, when a save fails meanwhile. */
  #fail: ((error: CheckpointNotSaved) => void) | undefined;

  constructor(context: RunContext) {
    this.#context = context;
  }

  /** Queues one acknowledgement; a save starts unless one is running (the next takes everything queued). */
  add(acknowledgement: Acknowledgement, destinationCount: number | undefined): void {
    this.#queue.push({ acknowledgement, destinationCount });
    this.#saving ??= this.#saveQueued();
  }

  /**
   * `read`, unless a save fails first: the reader stops at a failed save instead of waiting for the
   * destination's next line. (Not a race against one long-lived promise: each race would leave a
   * handler on it holding the line it returned, for the whole run.)
   *
   * @throws CheckpointNotSaved when a save failed, before or while `read` waits.
   */
  async whileSaving<T>(read: Promise<T>): Promise<T> {
    if (this.#failure) throw this.#failure;
    try {
      return await new Promise<T>((resolve, reject) => {
        this.#fail = reject;
        read.then(resolve, reject);
      });
    } finally {
      this.#fail = undefined;
    }
  }

  /** Waits until everything queued is saved. @throws CheckpointNotSaved when a save failed. */
  async drain(): Promise<void> {
    while (this.#saving) await this.#saving;
    if (this.#failure) throw this.#failure;
  }

  async #saveQueued(): Promise<void> {
    const { store, runId, pipelineId } = this.#context;
    try {
      while (this.#queue.length > 0 && !this.#failure) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          await store.commitStates(
            runId,
            pipelineId,
            batch.map(({ acknowledgement }) => ({ state: acknowledgement.state, recordsForwarded: acknowledgement.forwarded })),
          );
        } catch (error) {
          this.#failure = new CheckpointNotSaved(`could not save a checkpoint to the state store: ${errorMessage(error)}`);
          this.#fail?.(this.#failure);
          return;
        }
        for (const { acknowledgement, destinationCount } of batch) this.#saved(acknowledgement, destinationCount);
      }
    } finally {
      this.#saving = undefined;
    }
  }

  #saved(acknowledgement: Acknowledgement, destinationCount: number | undefined): void {
    const { streams, emit } = this.#context;
    if (acknowledgement.mismatch) {
      this.#context.mismatches.push(acknowledgement.mismatch);
      const counts = streams[acknowledgement.key];
      if (counts) counts.countMismatches++;
      emit({ type: 'count_mismatch', stream: acknowledgement.key, message: acknowledgement.mismatch });
    }
    // A STREAM state commits its stream's records (the destination's count when it gives one); a GLOBAL
    // or LEGACY state commits what was forwarded of every stream.
    const committedByStream =
      acknowledgement.key === '' ? acknowledgement.byStream : { [acknowledgement.key]: destinationCount ?? acknowledgement.forwarded };
    for (const [stream, committed] of Object.entries(committedByStream)) {
      const counts = streams[stream];
      if (!counts) continue;
      counts.recordsCommitted += committed;
      emit({ type: 'checkpoint', stream, recordsCommitted: committed, totalCommitted: counts.recordsCommitted, totalRead: counts.recordsRead });
    }
  }
}
