import { expect, it } from 'vitest';
import { count, summary } from './render-plain.ts';

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

it('counts with the right plural', () => {
  expect(count(1, 'record')).toBe('1 record');
  expect(count(3000, 'record')).toBe('3,000 records');
});
