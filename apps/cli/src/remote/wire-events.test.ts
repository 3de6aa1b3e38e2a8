import { describe, expect, it } from 'vitest';
import type { SyncEvent } from '@sync/engine';
import { eventForWire } from '@sync/server';
import { WireEventReader, type WireEvent } from './wire-events.ts';

/** What the server streams for `event`: its wire form, one JSON line, parsed back (packages/server/src/wire.ts). */
function overTheWire(event: SyncEvent, seq: number): WireEvent {
  const line = JSON.stringify({ seq, at: '2026-01-01T00:00:00.000Z', ...eventForWire(event as unknown as { type: string } & Record<string, unknown>) });
  return JSON.parse(line) as WireEvent;
}

const savedAt = new Date('2026-01-01T00:00:00.000Z');

/** One of every engine event, as a run emits them. */
const events: SyncEvent[] = [
  { type: 'run_created', runId: 'r1', pipelineId: 'p' },
  {
    type: 'run_started',
    runId: 'r1',
    pipelineId: 'p',
    resumed: ['customers'],
    catalog: {
      streams: [
        { stream: { name: 'customers', json_schema: {}, supported_sync_modes: ['incremental'] }, sync_mode: 'incremental', destination_sync_mode: 'append_dedup' },
        { stream: { name: 'events', json_schema: {}, supported_sync_modes: ['full_refresh'] }, sync_mode: 'full_refresh', destination_sync_mode: 'append' },
      ],
    },
  },
  { type: 'config_applied', role: 'source', connector: 'source-stripe', keys: ['access_token'], savedAt },
  { type: 'stream_status', stream: 'customers', status: 'STARTED' },
  { type: 'estimate', stream: 'customers', rows: 300 },
  { type: 'records_read', stream: 'customers', totalRead: 120 },
  { type: 'checkpoint', stream: 'customers', recordsCommitted: 100, totalCommitted: 100, totalRead: 120 },
  { type: 'log', role: 'destination', connector: 'destination-postgres', level: 'WARN', message: 'slow commit' },
  { type: 'stderr', role: 'source', connector: 'source-stripe', line: 'a stack trace' },
  { type: 'config_update', role: 'source', connector: 'source-stripe', keys: ['access_token'], changes: {} },
  { type: 'count_mismatch', stream: 'customers', message: 'customers: the source counted 101, the destination 100' },
  { type: 'warning', streams: ['events'], message: 'events: read again from the beginning' },
  { type: 'stream_status', stream: 'customers', status: 'COMPLETE' },
];

describe('wire events back to engine events', () => {
  it('gives back every engine event the server streams (schemas and changed values are not sent)', () => {
    const reader = new WireEventReader('r1', 'p');
    const back = events.map((event, i) => reader.syncEvent(overTheWire(event, i + 1)));
    // config_applied's time: the server's wire form of a Date is not settled yet (it may send `{}`), so
    // only a valid time is required, the stream's `at` at worst.
    const expected = events.map((event) => (event.type === 'config_applied' ? { ...event, savedAt: expect.any(Date) } : event));
    expect(back).toEqual(expected);
    const applied = back.find((event) => event?.type === 'config_applied');
    expect(applied?.type === 'config_applied' && !Number.isNaN(applied.savedAt.getTime())).toBe(true);
  });

  it('never receives the values a connector changed in its config', () => {
    const wire = overTheWire({ type: 'config_update', role: 'source', connector: 'source-stripe', keys: ['access_token'], changes: { access_token: 'secret-value' } }, 1);
    expect(JSON.stringify(wire)).not.toContain('secret-value');
  });

  it('skips event types it does not know', () => {
    expect(new WireEventReader('r1', 'p').syncEvent({ seq: 1, at: '', type: 'something_new', detail: 1 })).toBeUndefined();
  });

  it('turns run_finished into the result the summary prints, with the count mismatches seen on the way', () => {
    const reader = new WireEventReader('r1', 'p');
    reader.syncEvent(overTheWire(events[10]!, 1));
    const finished: WireEvent = {
      seq: 2,
      at: '',
      type: 'run_finished',
      status: 'succeeded',
      error: null,
      duration_ms: 1234,
      streams: { customers: { records_read: 120, records_committed: 120, status: 'complete' } },
    };
    expect(reader.outcome(finished, 99)).toEqual({
      status: 'succeeded',
      result: {
        runId: 'r1',
        pipelineId: 'p',
        status: 'succeeded',
        streams: { customers: { recordsRead: 120, recordsCommitted: 120, status: 'complete', countMismatches: 1 } },
        mismatches: ['customers: the source counted 101, the destination 100'],
        durationMs: 1234,
      },
    });
  });

  it('reports a failed run with its error, and a cancelled one as failed with what to expect next', () => {
    const failed = new WireEventReader('r1', 'p').outcome(
      { seq: 9, at: '', type: 'run_finished', status: 'failed', error: 'source-stripe: Stripe rejected the API key', failure_type: 'config_error', origin: 'source', duration_ms: 5, streams: {} },
      99,
    );
    expect(failed.status).toBe('failed');
    expect(failed.result.failure).toEqual({ message: 'source-stripe: Stripe rejected the API key', failureType: 'config_error', origin: 'source' });

    // A run cancelled while queued: the server's run_finished has no duration and no streams.
    const cancelled = new WireEventReader('r1', 'p').outcome({ seq: 1, at: '', type: 'run_finished', status: 'cancelled', error: null, streams: {} }, 42);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.result).toMatchObject({ status: 'failed', durationMs: 42, streams: {} });
    expect(cancelled.result.failure?.message).toBe('run r1 was cancelled: committed checkpoints are kept and the next run resumes from the last one');
  });
});
