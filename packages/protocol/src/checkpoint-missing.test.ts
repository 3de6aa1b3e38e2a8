import { describe, expect, it } from 'vitest';
import { checkpointMissingMessage, parseCheckpointMissing } from './checkpoint-missing.ts';
import type { AirbyteTraceMessage } from './messages.ts';

const errorTrace = (internal_message?: string): AirbyteTraceMessage => ({
  type: 'ERROR',
  emitted_at: 1,
  error: { message: 'x', failure_type: 'system_error', ...(internal_message === undefined ? {} : { internal_message }) },
});

describe('the checkpoint_missing wire format', () => {
  it('reads back the streams it wrote, in order', () => {
    const internal = checkpointMissingMessage(['customers', 'in"voices']);
    expect(internal).toBe('checkpoint_missing:["customers","in\\"voices"]');
    expect(parseCheckpointMissing(errorTrace(internal))).toEqual(['customers', 'in"voices']);
  });

  it('is undefined for any other trace: another error, a malformed list, or not an ERROR', () => {
    expect(parseCheckpointMissing(errorTrace())).toBeUndefined();
    expect(parseCheckpointMissing(errorTrace('connection refused'))).toBeUndefined();
    expect(parseCheckpointMissing(errorTrace('checkpoint_missing:[oops'))).toBeUndefined();
    expect(parseCheckpointMissing(errorTrace('checkpoint_missing:[1,2]'))).toBeUndefined();
    expect(
      parseCheckpointMissing({ type: 'STREAM_STATUS', emitted_at: 1, error: { message: 'x', internal_message: checkpointMissingMessage(['a']) } }),
    ).toBeUndefined();
  });
});
