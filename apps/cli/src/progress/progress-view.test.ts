import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { expect, it } from 'vitest';
import type { SyncEvent, SyncResult } from '@sync/engine';
import { ProgressModel } from './progress-model.ts';
import { formatDuration } from './clock.ts';
import { ProgressView } from './progress-view.ts';

const configured = (name: string) => ({
  stream: { name, json_schema: {}, supported_sync_modes: ['incremental' as const] },
  sync_mode: 'incremental' as const,
  destination_sync_mode: 'append_dedup' as const,
});

/** A model fed a run's first events: two streams announced, customers started with an estimate. */
function startedRun(): ProgressModel {
  const model = new ProgressModel(0);
  const events: SyncEvent[] = [
    { type: 'run_created', runId: 'run-1', pipelineId: 'stripe-postgres' },
    { type: 'run_started', runId: 'run-1', pipelineId: 'stripe-postgres', catalog: { streams: [configured('customers'), configured('charges')] }, resumed: [] },
  ];
  for (const event of events) model.apply(event, 0);
  return model;
}

function frame(model: ProgressModel, now: number, logs: string[] = []): string {
  const { lastFrame, unmount } = render(h(ProgressView, { snapshot: model.snapshot, now, logs }));
  const text = lastFrame() ?? '';
  unmount();
  return text;
}

it('at start: every stream waits, the clock runs', () => {
  expect(frame(startedRun(), 1_000)).toBe(
    [
      'sync run run-1 of pipeline stripe-postgres',
      '· customers  waiting',
      '· charges    waiting',
      'elapsed 1s · 0/2 streams done · 0 read · 0 committed · 0 records/s',
    ].join('\n'),
  );
});

it('mid-run: counts, records/s, the last checkpoint age and the estimate', () => {
  const model = startedRun();
  model.apply({ type: 'stream_status', stream: 'customers', status: 'STARTED' }, 1_000);
  model.apply({ type: 'estimate', stream: 'customers', rows: 10_000 }, 1_000);
  model.apply({ type: 'records_read', stream: 'customers', totalRead: 2_000 }, 2_000);
  model.apply({ type: 'checkpoint', stream: 'customers', recordsCommitted: 1_500, totalCommitted: 1_500, totalRead: 2_000 }, 3_000);
  model.apply({ type: 'records_read', stream: 'customers', totalRead: 4_000 }, 4_000);
  expect(frame(model, 5_000, ['destination-postgres: warn: slow disk'])).toBe(
    [
      'destination-postgres: warn: slow disk',
      'sync run run-1 of pipeline stripe-postgres',
      '› customers  running   4,000 read  1,500 committed  1,000/s  checkpoint 2s ago  40% of ~10,000',
      '· charges    waiting',
      'elapsed 5s · 0/2 streams done · 4,000 read · 1,500 committed · 800 records/s · ETA ~7s',
    ].join('\n'),
  );
});

const result = (status: SyncResult['status'], customers: SyncResult['streams'][string], charges: SyncResult['streams'][string]): SyncResult => ({
  runId: 'run-1',
  pipelineId: 'stripe-postgres',
  status,
  ...(status === 'failed' ? { failure: { message: 'destination-postgres was killed', failureType: 'system_error' as const, origin: 'destination' as const } } : {}),
  streams: { customers, charges },
  mismatches: [],
  durationMs: 0,
});

it('on failure: unfinished streams fail, the error is left to the one error line', () => {
  const model = startedRun();
  model.apply({ type: 'stream_status', stream: 'customers', status: 'STARTED' }, 0);
  model.apply({ type: 'checkpoint', stream: 'customers', recordsCommitted: 10, totalCommitted: 10, totalRead: 10 }, 1_000);
  model.finish(
    result(
      'failed',
      { recordsRead: 12, recordsCommitted: 10, status: 'incomplete', countMismatches: 0 },
      { recordsRead: 0, recordsCommitted: 0, status: 'incomplete', countMismatches: 0 },
    ),
    2_000,
  );
  const text = frame(model, 9_000);
  expect(text).toBe(
    [
      'sync run run-1 of pipeline stripe-postgres',
      '✖ customers  failed    12 read  10 committed  6/s  checkpoint 8s ago',
      '✖ charges    failed     0 read   0 committed',
      'failed after 2s · 0/2 streams done · 12 read · 10 committed · 6 records/s',
    ].join('\n'),
  );
  expect(text).not.toContain('killed');
});

it('on completion: every stream complete, the final counts and the total time', () => {
  const model = startedRun();
  for (const stream of ['customers', 'charges']) {
    model.apply({ type: 'stream_status', stream, status: 'STARTED' }, 0);
    model.apply({ type: 'checkpoint', stream, recordsCommitted: 3, totalCommitted: 3, totalRead: 3 }, 1_000);
    model.apply({ type: 'stream_status', stream, status: 'COMPLETE' }, 1_000);
  }
  model.finish(
    result(
      'succeeded',
      { recordsRead: 3, recordsCommitted: 3, status: 'complete', countMismatches: 0 },
      { recordsRead: 3, recordsCommitted: 3, status: 'complete', countMismatches: 0 },
    ),
    61_000,
  );
  expect(frame(model, 61_000)).toBe(
    [
      'sync run run-1 of pipeline stripe-postgres',
      '✔ customers  complete  3 read  3 committed  3/s  checkpoint 1m 00s ago',
      '✔ charges    complete  3 read  3 committed  3/s  checkpoint 1m 00s ago',
      'succeeded in 1m 01s · 2/2 streams done · 6 read · 6 committed · 0 records/s',
    ].join('\n'),
  );
});

it('formats durations for minutes and hours', () => {
  expect([formatDuration(999), formatDuration(65_000), formatDuration(7_380_000)]).toEqual(['0s', '1m 05s', '2h 03m']);
});
