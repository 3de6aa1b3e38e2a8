/**
 * A destination's report that it no longer holds the checkpoints the engine would resume some streams
 * from (the `checkpoint_missing` extension; its wire format is in @sync/protocol checkpoint-missing.ts).
 */
import { checkpointMissingMessage } from '@sync/protocol';
import { ConnectorError } from './errors.ts';

/**
 * Thrown by a destination's `write`, before it reads any input, naming the streams whose
 * `resume_state_hash` it does not hold. The harness turns it into a TRACE ERROR whose
 * `internal_message` is `checkpoint_missing:["a","b"]` (system_error); the engine then reads those
 * streams again from the beginning.
 */
export class CheckpointMissing extends ConnectorError {
  readonly streams: readonly string[];

  /** `where`: what lost them, for the user (`schema "stripe" of postgres://host/db`). */
  constructor(streams: readonly string[], where: string) {
    super(
      `${where} no longer holds the data that the saved state of ${streams.join(', ')} claims ` +
        '(dropped, or restored from an older backup): the engine reads these streams again from the beginning',
      { failureType: 'system_error' },
    );
    this.name = 'CheckpointMissing';
    this.streams = streams;
  }

  /** The `internal_message` of this error's TRACE ERROR. */
  get internalMessage(): string {
    return checkpointMissingMessage(this.streams);
  }
}
