/**
 * The closing per-stream summary of `sync run` (stdout). The progress lines on stderr are the pretty
 * form of the run's log (`logs/run-log.ts`).
 */
import type { SyncResult } from '@sync/engine';
import { formatCount } from './format-count.ts';


/** `1 record`, `3,000 records`. */
export function count(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A table of streams with records read and committed, then one line with the outcome. */
export function summary(result: SyncResult): string {
  const rows = Object.entries(result.streams).map(([name, s]) => [
    name,
    formatCount(s.recordsRead),
    formatCount(s.recordsCommitted),
    s.status,
  ]);
  const header = ['stream', 'read', 'committed', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const total = Object.values(result.streams).reduce((n, s) => n + s.recordsCommitted, 0);
  const seconds = (result.durationMs / 1000).toFixed(1);
  const outcome =
    result.status === 'succeeded'
      ? `run ${result.runId} succeeded in ${seconds} s: ${count(total, 'record')} committed`
      : `run ${result.runId} failed after ${seconds} s: ${count(total, 'record')} committed before the failure`;
  const warnings =
    result.mismatches.length === 0
      ? []
      : [
          '',
          `WARNING: record counts disagreed at ${count(result.mismatches.length, 'checkpoint')}; records may be missing or duplicated:`,
          ...result.mismatches.slice(0, 10).map((m) => `  ${m}`),
          ...(result.mismatches.length > 10 ? [`  … and ${result.mismatches.length - 10} more (sync runs show)`] : []),
        ];
  return [line(header), ...rows.map(line), ...warnings, '', outcome].join('\n');
}
