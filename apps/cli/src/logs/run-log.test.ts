import { expect, it } from 'vitest';
import type { SyncEvent } from '@sync/engine';
import { RunLog, type LogFormat, type LogLevel, type LogRecord } from './run-log.ts';

function capture(format: LogFormat, level: LogLevel = 'info') {
  const lines: string[] = [];
  const records: LogRecord[] = [];
  const log = new RunLog({
    format,
    level,
    pipeline: 'p',
    source: 'stripe',
    destination: 'postgres',
    checkpointIntervalMs: 60_000,
    write: (line, record) => {
      lines.push(line);
      records.push(record);
    },
  });
  return { log, lines, records };
}

const events: SyncEvent[] = [
  { type: 'run_created', runId: 'r1', pipelineId: 'p' },
  { type: 'stream_status', stream: 'customers', status: 'STARTED' },
  { type: 'stream_status', stream: 'customers', status: 'RUNNING' },
  { type: 'checkpoint', stream: 'customers', recordsCommitted: 1, totalCommitted: 1, totalRead: 1 },
  { type: 'checkpoint', stream: 'customers', recordsCommitted: 100, totalCommitted: 101, totalRead: 101 },
  { type: 'log', role: 'destination', connector: 'destination-postgres', level: 'INFO', message: 'committed 101 records' },
  { type: 'log', role: 'source', connector: 'source-stripe', level: 'WARN', message: 'slow down' },
  { type: 'stderr', role: 'source', connector: 'source-stripe', line: 'a stack trace' },
  { type: 'count_mismatch', stream: 'customers', message: 'customers: record counts disagree' },
];

it('pretty: human lines, checkpoints throttled per stream, stderr only at debug', () => {
  const { log, lines } = capture('pretty');
  events.forEach(log.onEvent);
  expect(lines).toEqual([
    'customers: started',
    'customers: 1 record committed',
    'destination-postgres: committed 101 records',
    'source-stripe: warn: slow down',
    'warning: customers: record counts disagree',
  ]);
  const debug = capture('pretty', 'debug');
  events.forEach(debug.log.onEvent);
  expect(debug.lines).toContain('source-stripe (stderr): a stack trace');
  expect(debug.lines).toContain('customers: 101 records committed');
});

it('json: every line carries the run id, pipeline, connectors and stream, in order', () => {
  const { log, lines } = capture('json', 'debug');
  log.message('info', 'before the run');
  events.forEach(log.onEvent);
  const parsed = lines.map((l) => JSON.parse(l) as LogRecord);
  for (const record of parsed) {
    expect(Object.keys(record)).toEqual(expect.arrayContaining(['level', 'time', 'run_id', 'pipeline', 'source', 'destination', 'connector', 'stream', 'event', 'msg']));
  }
  expect(parsed[0]).toMatchObject({ run_id: null, event: 'message', msg: 'before the run' });
  expect(parsed.slice(1).every((r) => r.run_id === 'r1' && r.pipeline === 'p')).toBe(true);
  expect(parsed.map((r) => [r.event, r.level, r.connector, r.stream])).toEqual([
    ['message', 'info', null, null],
    ['stream_status', 'info', null, 'customers'],
    ['stream_status', 'debug', null, 'customers'],
    ['checkpoint', 'info', null, 'customers'],
    ['checkpoint', 'debug', null, 'customers'],
    ['log', 'info', 'destination-postgres', null],
    ['log', 'warn', 'source-stripe', null],
    ['stderr', 'debug', 'source-stripe', null],
    ['count_mismatch', 'warn', null, 'customers'],
  ]);
});

it('masks the password of any URL in every field and keeps the line valid JSON (secrets come masked from the engine)', () => {
  const { log, lines } = capture('json', 'debug');
  log.onEvent({ type: 'run_created', runId: 'r1', pipelineId: 'p' });
  log.onEvent({ type: 'stderr', role: 'source', connector: 'source-x', line: 'cannot reach postgres://app:pa"ss-9@db/x' });
  log.message('info', 'using postgres://app:hunter2-9@db/x', { url: 'mysql://u:hunter2-9@h' });
  const text = lines.join('\n');
  expect(text).not.toMatch(/pa\\"ss-9|hunter2-9/);
  expect(JSON.parse(lines[0]!).msg).toBe('cannot reach postgres://app:[REDACTED]@db/x');
  expect(JSON.parse(lines[1]!)).toMatchObject({ msg: 'using postgres://app:[REDACTED]@db/x', url: 'mysql://u:[REDACTED]@h' });
});
