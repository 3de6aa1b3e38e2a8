/**
 * The destination half of a run: every STATE the destination re-emits (acknowledges) is reconciled
 * against what was forwarded and persisted, one at a time and in order, before the next is read.
 */
import { errorMessage, type FailureType } from '@sync/protocol';
import { errorTraceOf, handleInfo, type RunContext } from './run-context.ts';

/** Thrown when the state store cannot persist an acknowledged STATE. */
export class CheckpointNotSaved extends Error {}

/**
 * Runs until the destination's stdout ends.
 *
 * @param onError receives the destination's TRACE ERROR, if it sends one.
 * @throws ProtocolError for an invalid line; CheckpointNotSaved when the store fails.
 */
export async function readAcknowledgements(
  context: RunContext,
  onError: (error: { message: string; failureType: FailureType }) => void,
): Promise<void> {
  const { streams, ledger, emit } = context;
  for await (const { message } of context.destination.lines) {
    if (message.type !== 'STATE') {
      const error = errorTraceOf(message);
      if (error) onError(error);
      else await handleInfo(context, 'destination', message);
      continue;
    }
    const acknowledgement = ledger.acknowledged(message.state);
    try {
      await context.store.commitState(context.runId, context.pipelineId, message.state, {
        ...(acknowledgement.forwarded !== undefined ? { recordsForwarded: acknowledgement.forwarded } : {}),
      });
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
        : { [acknowledgement.key]: message.state.destinationStats?.recordCount ?? acknowledgement.forwarded ?? 0 };
    for (const [stream, committed] of Object.entries(committedByStream)) {
      const counts = streams[stream];
      if (!counts) continue;
      counts.recordsCommitted += committed;
      emit({ type: 'checkpoint', stream, recordsCommitted: committed, totalCommitted: counts.recordsCommitted, totalRead: counts.recordsRead });
    }
  }
}
