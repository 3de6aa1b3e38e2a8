/**
 * A run's checkpoints as a timeline: one lane per stream from the run's start to its last event, a
 * tick at each saved checkpoint, and every checkpoint as a table for keyboard and screen-reader users.
 */
import { formatCount, formatDuration, formatTimeOfDay } from '../format.ts';
import type { Checkpoint, RunProgress } from '../run-progress.ts';

/** Rows of the checkpoint table at most (the newest). */
const TABLE_ROWS = 500;

/** Ticks drawn per lane at most: one per half percent of its width, the latest of each. */
function ticks(checkpoints: Checkpoint[], from: number, span: number): { checkpoint: Checkpoint; percent: number }[] {
  const byBucket = new Map<number, { checkpoint: Checkpoint; percent: number }>();
  for (const checkpoint of checkpoints) {
    const percent = Math.min(100, Math.max(0, ((Date.parse(checkpoint.at) - from) / span) * 100));
    byBucket.set(Math.round(percent * 2), { checkpoint, percent });
  }
  return [...byBucket.values()];
}

/** The checkpoints of `progress` on a timeline, from `run_started` to the last event. */
export function RunTimeline(props: { progress: RunProgress }) {
  const { checkpoints, startedAt, lastAt } = props.progress;
  if (checkpoints.length === 0) return <p class="muted">No checkpoint saved yet.</p>;
  const from = Date.parse(startedAt ?? checkpoints[0]!.at);
  const to = Date.parse(lastAt ?? checkpoints[checkpoints.length - 1]!.at);
  const span = Math.max(to - from, 1);
  const lanes = [...props.progress.streams.keys()].map((name) => ({ name, checkpoints: checkpoints.filter((c) => c.stream === name) })).filter((lane) => lane.checkpoints.length > 0);
  return (
    <>
      <figure class="timeline">
        <figcaption>
          {formatCount(checkpoints.length)} checkpoints over {formatDuration(span)}
        </figcaption>
        {lanes.map((lane) => (
          <div class="lane" key={lane.name}>
            <span class="lane-name">{lane.name}</span>
            <div class="lane-track" aria-hidden="true">
              {ticks(lane.checkpoints, from, span).map(({ checkpoint, percent }) => (
                <span
                  class="tick"
                  key={checkpoint.seq}
                  style={{ left: `${percent}%` }}
                  title={`${lane.name}: ${formatCount(checkpoint.committed)} committed at ${formatTimeOfDay(checkpoint.at)}`}
                />
              ))}
            </div>
          </div>
        ))}
        <div class="axis" aria-hidden="true">
          <span>{formatTimeOfDay(new Date(from).toISOString())}</span>
          <span>{formatTimeOfDay(new Date(to).toISOString())}</span>
        </div>
      </figure>
      <details>
        <summary>{checkpoints.length > TABLE_ROWS ? `The last ${TABLE_ROWS} checkpoints` : 'Every checkpoint'}</summary>
        <div class="scroll" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Stream</th>
                <th scope="col">Records</th>
                <th scope="col">Committed so far</th>
              </tr>
            </thead>
            <tbody>
              {checkpoints.slice(-TABLE_ROWS).map((c) => (
                <tr key={c.seq}>
                  <td>
                    <time dateTime={c.at}>{formatTimeOfDay(c.at)}</time>
                  </td>
                  <td>{c.stream}</td>
                  <td class="number">{formatCount(c.recordsCommitted)}</td>
                  <td class="number">{formatCount(c.committed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
