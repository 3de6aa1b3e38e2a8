/**
 * Plain progress lines for `sync run` (stderr) and the closing per-stream summary (stdout).
 * Used when stderr is not a terminal, in CI, or with `--plain`.
 */
import type { SyncEvent, SyncResult } from '@sync/engine';

const number = new Intl.NumberFormat('en-US');

/** `1 record`, `3,000 records`. */
export function count(n: number, noun: string): string {
  return `${number.format(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Checkpoint lines are throttled to one per stream per interval (ms) so big syncs stay readable. */
export function plainProgress(write: (line: string) => void, intervalMs = 2_000): (event: SyncEvent) => void {
  const lastCheckpoint = new Map<string, number>();
  return (event) => {
    switch (event.type) {
      case 'run_started': {
        const names = event.catalog.streams.map((s) => s.stream.name);
        const list = (xs: string[]) => (xs.length <= 8 ? xs.join(', ') : `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more`);
        const resumed =
          event.resumed.length === 0
            ? ''
            : event.resumed.length === names.length
              ? '; every stream resumes from its saved state'
              : `; resuming ${list(event.resumed)} from saved state`;
        write(`run ${event.runId} of pipeline ${event.pipelineId}: ${count(names.length, 'stream')} (${list(names)})${resumed}`);
        break;
      }
      case 'stream_status':
        if (event.status !== 'RUNNING') write(`${event.stream}: ${event.status.toLowerCase()}`);
        break;
      case 'checkpoint': {
        const now = performance.now();
        if (now - (lastCheckpoint.get(event.stream) ?? -Infinity) < intervalMs) break;
        lastCheckpoint.set(event.stream, now);
        write(`${event.stream}: ${count(event.totalCommitted, 'record')} committed`);
        break;
      }
      case 'log':
        if (event.level === 'WARN' || event.level === 'ERROR' || event.level === 'FATAL') {
          write(`${event.connector}: ${event.level.toLowerCase()}: ${event.message}`);
        }
        break;
      case 'config_update':
        write(`${event.connector} changed its config (${event.keys.join(', ')}); saved for the next runs of this pipeline`);
        break;
      case 'config_applied':
        write(`${event.connector}: using config saved by an earlier run (${event.keys.join(', ')})`);
        break;
      case 'count_mismatch':
        write(`warning: ${event.message}`);
        break;
      default:
        break;
    }
  };
}

/** A table of streams with records read and committed, then one line with the outcome. */
export function summary(result: SyncResult): string {
  const rows = Object.entries(result.streams).map(([name, s]) => [
    name,
    number.format(s.recordsRead),
    number.format(s.recordsCommitted),
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
