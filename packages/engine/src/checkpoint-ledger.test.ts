import { describe, expect, it } from 'vitest';
import type { AirbyteStateMessage } from '@sync/protocol';
import { CheckpointLedger } from './checkpoint-ledger.ts';

const state = (stream: string, cursor: number, source?: number, destination?: number): AirbyteStateMessage => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name: stream }, stream_state: { cursor } },
  ...(source !== undefined ? { sourceStats: { recordCount: source } } : {}),
  ...(destination !== undefined ? { destinationStats: { recordCount: destination } } : {}),
});

function forward(ledger: CheckpointLedger, stream: string, records: number, s: AirbyteStateMessage) {
  for (let i = 0; i < records; i++) ledger.recordForwarded(stream);
  ledger.stateForwarded(s);
}

describe('CheckpointLedger', () => {
  it('agrees when source, engine and destination counts match, stream by stream', () => {
    const ledger = new CheckpointLedger();
    forward(ledger, 'a', 3, state('a', 1, 3));
    forward(ledger, 'b', 2, state('b', 1, 2));
    forward(ledger, 'a', 1, state('a', 2, 1));
    expect(ledger.acknowledged(state('a', 1, 3, 3))).toEqual({ key: 'a', forwarded: 3, byStream: { a: 3 }, mismatch: undefined, state: state('a', 1, 3, 3) });
    expect(ledger.acknowledged(state('b', 1, 2, 2))).toEqual({ key: 'b', forwarded: 2, byStream: { b: 2 }, mismatch: undefined, state: state('b', 1, 2, 2) });
    expect(ledger.acknowledged(state('a', 2, 1, 1))).toEqual({ key: 'a', forwarded: 1, byStream: { a: 1 }, mismatch: undefined, state: state('a', 2, 1, 1) });
  });

  it('names the three counts when the destination committed fewer records than it was sent', () => {
    const ledger = new CheckpointLedger();
    forward(ledger, 'a', 5, state('a', 1, 5));
    expect(ledger.acknowledged(state('a', 1, 5, 4))?.mismatch).toBe(
      'a: record counts disagree at a checkpoint: source said 5, engine forwarded 5, destination committed 4',
    );
  });

  it('catches a source whose sourceStats lie', () => {
    const ledger = new CheckpointLedger();
    forward(ledger, 'a', 2, state('a', 1, 3));
    expect(ledger.acknowledged(state('a', 1, 3))?.mismatch).toMatch(/source said 3, engine forwarded 2, destination committed nothing/);
  });

  it('folds states the destination skipped into the one it acknowledged, whatever its key order', () => {
    const ledger = new CheckpointLedger();
    forward(ledger, 'a', 2, state('a', 1, 2));
    forward(ledger, 'a', 3, state('a', 2, 3));
    const reordered: AirbyteStateMessage = {
      destinationStats: { recordCount: 5 },
      stream: { stream_state: { cursor: 2 }, stream_descriptor: { name: 'a' } },
      type: 'STREAM',
      sourceStats: { recordCount: 3 },
    };
    // What is kept is the source's copy of the last state, with the counts of every state it covers.
    expect(ledger.acknowledged(reordered)).toEqual({ key: 'a', forwarded: 5, byStream: { a: 5 }, mismatch: undefined, state: state('a', 2, 5, 5) });
  });

  it('matches no acknowledgement of a state never sent, sent for another stream, acknowledged twice or out of order', () => {
    const ledger = new CheckpointLedger();
    forward(ledger, 'a', 1, state('a', 1, 1));
    forward(ledger, 'a', 1, state('a', 2, 1));
    expect(ledger.acknowledged(state('a', 99, 1, 1))).toBeUndefined();
    expect(ledger.acknowledged(state('b', 1, 1, 1))).toBeUndefined();
    expect(ledger.acknowledged(state('a', 2, 1, 2))).toMatchObject({ forwarded: 2 });
    expect(ledger.acknowledged(state('a', 1, 1, 1))).toBeUndefined();
    expect(ledger.acknowledged(state('a', 2, 1, 2))).toBeUndefined();
  });

  it("keeps the source's copy, not the destination's echo, which may differ in anything but the state's identity", () => {
    const ledger = new CheckpointLedger();
    const sent: AirbyteStateMessage = { type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: { cursor: 1 } }, sourceStats: { recordCount: 1 } };
    forward(ledger, 'a', 1, sent);
    const echo = { ...sent, sourceStats: { recordCount: 1, extra: 'added by the destination' }, destinationStats: { recordCount: 1 } };
    expect(ledger.acknowledged(echo)?.state).toEqual({ ...sent, destinationStats: { recordCount: 1 } });
  });

  it('counts every stream for a GLOBAL or LEGACY state', () => {
    const ledger = new CheckpointLedger();
    ledger.recordForwarded('a');
    ledger.recordForwarded('b');
    ledger.recordForwarded('b');
    ledger.stateForwarded({ data: { n: 1 } });
    expect(ledger.acknowledged({ data: { n: 1 }, destinationStats: { recordCount: 3 } })).toEqual({
      key: '',
      forwarded: 3,
      byStream: { a: 1, b: 2 },
      mismatch: undefined,
      state: { data: { n: 1 }, destinationStats: { recordCount: 3 } },
    });
  });
});
