import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@sync/api-client';
import { MAX_LOGS, applyEvent, newProgress, rateOf } from './run-progress.ts';

/** Events as `GET /runs/{id}/events` sent them for a Stripe → Postgres run (shortened). */
const SUCCEEDED: RunEvent[] = [
  { seq: 1, at: '2026-12-01T18:02:12.004Z', type: 'run_created', run_id: 'r1', pipeline_id: 'p1' },
  { seq: 2, at: '2026-12-01T18:02:12.123Z', type: 'run_started', resumed: ['charges'], streams: [{ name: 'customers' }, { name: 'charges' }] },
  { seq: 3, at: '2026-12-01T18:02:12.000Z', type: 'stream_status', status: 'STARTED', stream: 'customers' },
  { seq: 4, at: '2026-12-01T18:02:12.000Z', type: 'estimate', stream: 'customers', rows: 321 },
  { seq: 5, at: '2026-12-01T18:02:14.000Z', type: 'records_read', stream: 'customers', total_read: 200 },
  { seq: 6, at: '2026-12-01T18:02:14.100Z', type: 'checkpoint', stream: 'customers', total_read: 200, total_committed: 100, records_committed: 100 },
  { seq: 7, at: '2026-12-01T18:02:14.200Z', type: 'log', role: 'destination', level: 'INFO', message: 'committed 100 records', connector: 'destination-postgres' },
  { seq: 8, at: '2026-12-01T18:02:14.300Z', type: 'warning', streams: ['charges'], message: 'read again from the beginning' },
  { seq: 9, at: '2026-12-01T18:02:15.000Z', type: 'stream_status', status: 'COMPLETE', stream: 'customers' },
  {
    seq: 10,
    at: '2026-12-01T18:02:15.100Z',
    type: 'run_finished',
    error: null,
    status: 'succeeded',
    streams: { customers: { status: 'complete', records_read: 321, records_committed: 321 }, charges: { status: 'complete', records_read: 0, records_committed: 0 } },
    duration_ms: 3096,
  },
];

describe('run progress from events', () => {
  it('counts per stream, keeps checkpoints and logs, and ends with run_finished', () => {
    const progress = newProgress();
    for (const event of SUCCEEDED.slice(0, 6)) applyEvent(progress, event);
    expect(progress.startedAt).toBe('2026-12-01T18:02:12.123Z');
    expect(progress.resumed).toEqual(['charges']);
    expect([...progress.streams.keys()]).toEqual(['customers', 'charges']);
    expect(progress.streams.get('customers')).toMatchObject({ status: 'started', read: 200, committed: 100, estimate: 321 });
    expect(progress.streams.get('charges')).toMatchObject({ status: 'pending', read: 0, committed: 0 });
    expect(rateOf(progress.streams.get('customers')!)).toBe(100);

    for (const event of SUCCEEDED.slice(6)) applyEvent(progress, event);
    expect(progress.checkpoints).toEqual([{ seq: 6, at: '2026-12-01T18:02:14.100Z', stream: 'customers', committed: 100, recordsCommitted: 100 }]);
    expect(progress.logs.map((l) => [l.level, l.source, l.message])).toEqual([
      ['INFO', 'destination-postgres', 'committed 100 records'],
      ['WARN', 'engine', 'read again from the beginning (charges)'],
    ]);
    expect(progress.streams.get('customers')).toMatchObject({ status: 'complete', read: 321, committed: 321 });
    expect(progress.finished).toEqual({ status: 'succeeded', error: null, durationMs: 3096 });
  });

  it('skips events already applied (a replay after a reconnection)', () => {
    const progress = newProgress();
    for (const event of SUCCEEDED.slice(0, 6)) applyEvent(progress, event);
    for (const event of SUCCEEDED.slice(0, 6)) applyEvent(progress, event);
    expect(progress.checkpoints).toHaveLength(1);
    expect(progress.lastSeq).toBe(6);
  });

  it("keeps a failed run's error, failure type and origin, and the connectors' stderr", () => {
    const progress = newProgress();
    applyEvent(progress, { seq: 1, at: '2026-12-01T18:02:14.729Z', type: 'stderr', line: 'source-stripe: config_error: Stripe rejected the API key', role: 'source', connector: 'source-stripe' });
    applyEvent(progress, {
      seq: 2,
      at: '2026-12-01T18:02:14.750Z',
      type: 'run_finished',
      error: 'source-stripe: Stripe rejected the API key',
      origin: 'source',
      status: 'failed',
      streams: { customers: { status: 'incomplete', records_read: 0, records_committed: 0 } },
      duration_ms: 308,
      failure_type: 'config_error',
    });
    expect(progress.logs[0]).toMatchObject({ level: 'STDERR', source: 'source-stripe' });
    expect(progress.finished).toEqual({ status: 'failed', error: 'source-stripe: Stripe rejected the API key', failureType: 'config_error', origin: 'source', durationMs: 308 });
    expect(progress.streams.get('customers')?.status).toBe('incomplete');
  });

  it(`keeps the last ${MAX_LOGS} log lines and counts the others`, () => {
    const progress = newProgress();
    for (let seq = 1; seq <= MAX_LOGS + 5; seq++) applyEvent(progress, { seq, at: '2026-12-01T18:02:14.000Z', type: 'log', level: 'DEBUG', message: `line ${seq}`, connector: 'source-faker' });
    expect(progress.logs).toHaveLength(MAX_LOGS);
    expect(progress.droppedLogs).toBe(5);
    expect(progress.logs[0]?.message).toBe('line 6');
  });
});
