/**
 * The ink view of a running sync: one line per stream (status, records read and committed,
 * records/s, age of the last checkpoint, share of the source's estimate) and an overall line with the
 * elapsed time. Pure: it renders a snapshot at a given time, so tests render exact frames.
 * Written with `React.createElement` because the repository runs TypeScript by type stripping, which
 * does not transform JSX.
 */
import { createElement as h, type ReactElement } from 'react';
import { Box, Static, Text } from 'ink';
import { formatDuration } from './clock.ts';
import type { ProgressSnapshot, StreamPhase, StreamProgress } from './progress-model.ts';
import { formatCount } from '../format-count.ts';


/** Records per second over `ms`, or undefined while too little time has passed to say. */
function rate(records: number, ms: number): number | undefined {
  return ms >= 500 ? records / (ms / 1000) : undefined;
}

const phaseLook: Record<StreamPhase, { symbol: string; color: string }> = {
  waiting: { symbol: '·', color: 'gray' },
  running: { symbol: '›', color: 'cyan' },
  complete: { symbol: '✔', color: 'green' },
  failed: { symbol: '✖', color: 'red' },
};

function streamCells(stream: StreamProgress, now: number): string[] {
  const until = stream.endedAt ?? now;
  const perSecond = stream.startedAt === undefined ? undefined : rate(stream.read, until - stream.startedAt);
  const checkpoint =
    stream.lastCheckpointAt === undefined
      ? stream.startedAt === undefined ? '' : 'no checkpoint yet'
      : `checkpoint ${formatDuration(now - stream.lastCheckpointAt)} ago`;
  const estimate =
    stream.estimate === undefined || stream.estimate === 0
      ? ''
      : `${Math.min(100, Math.floor((stream.read / stream.estimate) * 100))}% of ~${formatCount(stream.estimate)}`;
  return [
    `${formatCount(stream.read)} read`,
    `${formatCount(stream.committed)} committed`,
    perSecond === undefined ? '' : `${formatCount(Math.round(perSecond))}/s`,
    checkpoint,
    estimate,
  ];
}

function overallLine(snapshot: ProgressSnapshot, now: number): string {
  const until = snapshot.outcome?.endedAt ?? now;
  const elapsed = until - snapshot.startedAt;
  const read = snapshot.streams.reduce((n, s) => n + s.read, 0);
  const committed = snapshot.streams.reduce((n, s) => n + s.committed, 0);
  const complete = snapshot.streams.filter((s) => s.phase === 'complete').length;
  const perSecond = rate(read, elapsed);
  const head =
    snapshot.outcome === undefined
      ? `elapsed ${formatDuration(elapsed)}`
      : snapshot.outcome.status === 'succeeded'
        ? `succeeded in ${formatDuration(elapsed)}`
        : `failed after ${formatDuration(elapsed)}`;
  const parts = [
    head,
    `${complete}/${snapshot.streams.length} streams done`,
    `${formatCount(read)} read`,
    `${formatCount(committed)} committed`,
    ...(perSecond === undefined ? [] : [`${formatCount(Math.round(perSecond))} records/s`]),
  ];
  const estimated = snapshot.streams.filter((s) => s.estimate !== undefined && s.phase !== 'complete');
  if (snapshot.outcome === undefined && estimated.length > 0 && perSecond) {
    const remaining = estimated.reduce((n, s) => n + Math.max(0, (s.estimate ?? 0) - s.read), 0);
    parts.push(`ETA ~${formatDuration((remaining / perSecond) * 1000)}`);
  }
  return parts.join(' · ');
}

/** Log lines, each printed once above the live block (ink's Static keeps them out of redraws). */
function LogLines({ lines }: { lines: readonly string[] }): ReactElement {
  return h(Static<string>, { items: [...lines], children: (line: string, index: number) => h(Text, { key: index }, line) });
}

export interface ProgressViewProps {
  snapshot: ProgressSnapshot;
  /** The time to render at, on the snapshot's clock (ms). */
  now: number;
  /** Log lines to print once above the live view (warnings, connector messages), oldest first. */
  logs?: readonly string[];
  /**
   * Identity of the `logs` batch: ink's `<Static>` prints only items added since its last render, so a
   * caller that hands over each batch once and then drops it gives each batch a new key.
   */
  logsKey?: number;
}

/** The whole view: log lines (printed once, scrolling up) above the live progress block. */
export function ProgressView({ snapshot, now, logs = [], logsKey = 0 }: ProgressViewProps): ReactElement {
  const rows = snapshot.streams.map((stream) => ({ stream, cells: streamCells(stream, now) }));
  const nameWidth = Math.max(0, ...snapshot.streams.map((s) => s.name.length));
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r.cells[i]!.length)));
  const title = snapshot.runId
    ? `sync run ${snapshot.runId}${snapshot.pipelineId ? ` of pipeline ${snapshot.pipelineId}` : ''}`
    : 'sync run: starting';
  const outcome = snapshot.outcome;
  return h(
    Box,
    { flexDirection: 'column' },
    h(LogLines, { key: `logs-${logsKey}`, lines: logs }),
    h(Text, { bold: true }, title),
    ...rows.map(({ stream, cells }) => {
      const look = phaseLook[stream.phase];
      const counts = cells
        .map((cell, i) => (i === 0 || i === 1 || i === 2 ? cell.padStart(widths[i]!) : i === 3 ? cell.padEnd(widths[3]!) : cell))
        .join('  ')
        .trimEnd();
      // One Text per row: a row of Boxes would shrink the status to fit a narrow terminal; text wraps instead.
      return h(
        Text,
        { key: stream.name },
        h(Text, { color: look.color }, `${look.symbol} ${stream.name.padEnd(nameWidth)}  ${stream.phase.padEnd(8)}`),
        stream.phase === 'waiting' ? '' : `  ${counts}`,
      );
    }),
    h(
      Text,
      { color: outcome === undefined ? undefined : outcome.status === 'succeeded' ? 'green' : 'red', bold: outcome !== undefined },
      overallLine(snapshot, now),
    ),
  );
}
