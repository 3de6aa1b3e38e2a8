/**
 * `sync runs list|show`: the run history kept in the state store (status, duration, per-stream
 * counts, the error, every checkpoint's time). Errors are stored masked by the engine; an error an
 * older version stored unmasked still has any URL password masked here.
 */
import { defineCommand } from 'citty';
import { maskUrlPasswords } from '@sync/engine/lite';
import type { CheckpointRecord, RunRecord } from '@sync/state-postgres';
import { withStore } from '../database.ts';
import { formatDuration } from '../progress/clock.ts';
import { UserError } from '../user-error.ts';
import { formatCount } from '../format-count.ts';


/** Left-aligned columns, numbers (columns in `right`) right-aligned, two spaces apart. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The run as it may be shown: a URL password in its error masked (see the module comment). */
function shown(run: RunRecord): RunRecord {
  return run.error === undefined ? run : { ...run, error: maskUrlPasswords(run.error) };
}

function duration(run: RunRecord): string {
  return run.finishedAt ? formatDuration(run.finishedAt.getTime() - run.startedAt.getTime()) : 'running';
}

function totals(run: RunRecord): { read: number; committed: number } {
  const streams = Object.values(run.streams);
  return {
    read: streams.reduce((n, s) => n + s.recordsRead, 0),
    committed: streams.reduce((n, s) => n + s.recordsCommitted, 0),
  };
}

/** The `runs list` table, newest first; errors cut to one short line. */
export function runsTable(runs: RunRecord[]): string {
  const rows = runs.map((run) => {
    const { read, committed } = totals(run);
    const error = run.error ? (run.error.length > 60 ? `${run.error.slice(0, 59)}…` : run.error) : '';
    return [run.id, run.pipelineId, run.status, run.startedAt.toISOString(), duration(run), formatCount(read), formatCount(committed), error];
  });
  return table(['run', 'pipeline', 'status', 'started', 'duration', 'read', 'committed', 'error'], rows, new Set([5, 6]));
}

/** The `runs show` text: the run, its streams, then its checkpoints in commit order. */
export function runDetails(run: RunRecord, checkpoints: CheckpointRecord[]): string {
  const streams = Object.entries(run.streams).map(([name, s]) => [
    name || '(global)',
    formatCount(s.recordsRead),
    formatCount(s.recordsCommitted),
    s.status ?? '',
    s.countMismatches ? String(s.countMismatches) : '',
  ]);
  const count = (n: number | undefined) => (n === undefined ? '' : formatCount(n));
  const points = checkpoints.map((c) => [
    c.committedAt.toISOString(),
    c.stream || '(global)',
    count(c.sourceRecordCount),
    count(c.recordsForwarded),
    count(c.destinationRecordCount),
  ]);
  return [
    `run ${run.id} of pipeline ${run.pipelineId}: ${run.status}`,
    `started   ${run.startedAt.toISOString()}`,
    `finished  ${run.finishedAt ? run.finishedAt.toISOString() : '-'}`,
    `duration  ${duration(run)}`,
    ...(run.error ? [`error     ${run.error}`] : []),
    '',
    streams.length === 0 ? 'no streams' : table(['stream', 'read', 'committed', 'status', 'mismatches'], streams, new Set([1, 2, 4])),
    '',
    checkpoints.length === 0
      ? 'no checkpoints'
      : table(['checkpoint committed at', 'stream', 'source', 'forwarded', 'destination'], points, new Set([2, 3, 4])),
  ].join('\n');
}

export const runsCommand = defineCommand({
  meta: { name: 'runs', description: 'Show the history of sync runs kept in the state store' },
  subCommands: {
    list: defineCommand({
      meta: { name: 'list', description: 'List runs, newest first: status, duration, records read and committed, error' },
      args: {
        pipeline: { type: 'string', description: 'Only the runs of this pipeline', valueHint: 'ID' },
        limit: { type: 'string', description: 'At most this many runs (default 20)', valueHint: 'N' },
        json: { type: 'boolean', description: 'Print the runs as JSON' },
      },
      async run({ args }) {
        const limit = args.limit === undefined ? 20 : Number(args.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be a positive whole number (got '${args.limit}')`);
        const runs = (await withStore((store) => store.listRuns({ ...(args.pipeline ? { pipelineId: args.pipeline } : {}), limit }))).map(shown);
        if (args.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        else if (runs.length === 0) process.stderr.write(`no runs${args.pipeline ? ` of pipeline ${args.pipeline}` : ''} yet\n`);
        else process.stdout.write(`${runsTable(runs)}\n`);
      },
    }),
    show: defineCommand({
      meta: { name: 'show', description: 'Show one run: status, duration, per-stream counts, the error, every checkpoint' },
      args: {
        run: { type: 'positional', description: 'Run id (from sync runs list)', required: true, valueHint: 'RUN' },
        json: { type: 'boolean', description: 'Print the run and its checkpoints as JSON' },
      },
      async run({ args }) {
        const found = await withStore(async (store) => {
          const run = await store.getRun(args.run).catch(() => undefined);
          return run ? { run: shown(run), checkpoints: await store.listCheckpoints(run.id) } : undefined;
        });
        if (!found) throw new UserError(`no run with id '${args.run}' (sync runs list shows the recent ones)`);
        if (args.json) process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
        else process.stdout.write(`${runDetails(found.run, found.checkpoints)}\n`);
      },
    }),
  },
});
