/**
 * The destination half of a run: every STATE the destination re-emits (acknowledges) is matched to
 * the state the source sent, reconciled, and persisted (the source's copy), one at a time and in
 * order, before the next is read.
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
  const { streams, ledger, emit } = context;
  const name = context.destination.command.name;
  for await (const { message, lineNumber, line } of context.destination.lines) {
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
    try {
      await context.store.commitState(context.runId, context.pipelineId, acknowledgement.state, { recordsForwarded: acknowledgement.forwarded });
    } catch (error) {
      throw new CheckpointNotSaved(`could not save a checkpoint to the state store: ${errorMessage(error)}`);
    }
    if (acknowledgement.mismatch) {
      context.mismatches.push(acknowledgement.mismatch);
      const counts = streams[acknowledgement.key];
      if (counts) counts.countMismatches++;
      emit({ type: 'count_mismatch', stream: acknowledgement.key, message: acknowledgement.mismatch });
    }
    // A STREAM state commits its stream's records (the destination's count when it gives one); a GLOBAL
    // or LEGACY state commits what was forwarded of every stream.
    const committedByStream =
      acknowledgement.key === ''
        ? acknowledgement.byStream
        : { [acknowledgement.key]: message.state.destinationStats?.recordCount ?? acknowledgement.forwarded };
    for (const [stream, committed] of Object.entries(committedByStream)) {
      const counts = streams[stream];
      if (!counts) continue;
      counts.recordsCommitted += committed;
      emit({ type: 'checkpoint', stream, recordsCommitted: committed, totalCommitted: counts.recordsCommitted, totalRead: counts.recordsRead });
    }
  }
}
