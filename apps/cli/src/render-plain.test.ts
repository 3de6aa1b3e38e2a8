import { expect, it } from 'vitest';
import { count, plainProgress, summary } from './render-plain.ts';

it('summarises a run as an aligned table and one outcome line', () => {
  const text = summary({
    runId: 'r1',
    pipelineId: 'p',
    status: 'failed',
    failure: { message: 'boom', failureType: 'system_error', origin: 'destination' },
    streams: {
      customers: { recordsRead: 12345, recordsCommitted: 12000, status: 'incomplete', countMismatches: 1 },
      refunds: { recordsRead: 1, recordsCommitted: 1, status: 'complete', countMismatches: 0 },
    },
    mismatches: ['customers: record counts disagree at a checkpoint: source said 100, engine forwarded 100, destination committed 98'],
    durationMs: 2345,
  });
  expect(text).toBe(
    [
      'stream       read  committed  status',
      'customers  12,345     12,000  incomplete',
      'refunds         1          1  complete',
      '',
      'WARNING: record counts disagreed at 1 checkpoint; records may be missing or duplicated:',
      '  customers: record counts disagree at a checkpoint: source said 100, engine forwarded 100, destination committed 98',
      '',
      'run r1 failed after 2.3 s: 12,001 records committed before the failure',
    ].join('\n'),
  );
});

it('prints stream status changes and throttles checkpoint lines per stream', () => {
  const lines: string[] = [];
  const onEvent = plainProgress((l) => lines.push(l), 60_000);
  onEvent({ type: 'stream_status', stream: 'customers', status: 'STARTED' });
  onEvent({ type: 'stream_status', stream: 'customers', status: 'RUNNING' });
  onEvent({ type: 'checkpoint', stream: 'customers', recordsCommitted: 1, totalCommitted: 1, totalRead: 1 });
  onEvent({ type: 'checkpoint', stream: 'customers', recordsCommitted: 100, totalCommitted: 101, totalRead: 101 });
  onEvent({ type: 'log', role: 'source', connector: 'source-stripe', level: 'INFO', message: 'quiet' });
  onEvent({ type: 'log', role: 'source', connector: 'source-stripe', level: 'WARN', message: 'slow down' });
  expect(lines).toEqual(['customers: started', 'customers: 1 record committed', 'source-stripe: warn: slow down']);
  expect(count(2, 'stream')).toBe('2 streams');
});

it('announces a run briefly, whatever the number of streams', () => {
  const lines: string[] = [];
  const stream = (name: string) => ({ stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh' as const] }, sync_mode: 'full_refresh' as const, destination_sync_mode: 'append' as const });
  const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
  const onEvent = plainProgress((l) => lines.push(l));
  onEvent({ type: 'run_started', runId: 'r', pipelineId: 'p', catalog: { streams: names.map(stream) }, resumed: names });
  onEvent({ type: 'run_started', runId: 'r', pipelineId: 'p', catalog: { streams: names.slice(0, 2).map(stream) }, resumed: ['s1'] });
  expect(lines).toEqual([
    'run r of pipeline p: 10 streams (s0, s1, s2, s3, s4, s5 and 4 more); every stream resumes from its saved state',
    'run r of pipeline p: 2 streams (s0, s1); resuming s1 from saved state',
  ]);
});
