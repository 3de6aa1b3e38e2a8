/**
 * One run, live while it runs: per-stream records read and committed with the read rate, the
 * checkpoints as a timeline, the log, and for a failed run its error with the failure type.
 */
import { bodyOf } from '@sync/api-client';
import { ErrorNote, Loading, Notice, PageTitle, Status, Time } from '../components.tsx';
import { formatCount, formatDuration, formatRate, formatTimeOfDay, msBetween } from '../format.ts';
import { Link } from '../router.tsx';
import { rateOf, type RunProgress } from '../run-progress.ts';
import { useAction, useLoad } from '../use-api.ts';
import { useRunEvents } from '../use-run-events.ts';
import { RunTimeline } from './run-timeline.tsx';

/** What to do about a failure, by its Airbyte failure type. */
const FAILURE_HINTS: Record<string, string> = {
  config_error: "A config problem: correct the pipeline's source or destination config, then start a new run.",
  transient_error: 'A passing problem (the network, a rate limit): start the run again; it resumes from the last checkpoint.',
  system_error: 'The connector or the engine failed: the log below says more. The next run resumes from the last checkpoint.',
};

function Streams(props: { progress: RunProgress }) {
  const streams = [...props.progress.streams.values()];
  if (streams.length === 0) return <p class="muted">The run has not started its streams yet.</p>;
  return (
    <table class="cards">
      <thead>
        <tr>
          <th scope="col">Stream</th>
          <th scope="col">Status</th>
          <th scope="col">Read</th>
          <th scope="col">Committed</th>
          <th scope="col">Rate</th>
        </tr>
      </thead>
      <tbody>
        {streams.map((s) => {
          const rate = rateOf(s);
          return (
            <tr key={s.name} data-stream={s.name}>
              <th scope="row" data-label="Stream">
                {s.name}
                {props.progress.resumed.includes(s.name) && <span class="muted"> (resumed)</span>}
              </th>
              <td data-label="Status">
                <Status status={s.status} />
              </td>
              <td data-label="Read" class="number" data-count="read">
                {formatCount(s.read)}
                {s.estimate !== undefined && s.estimate > 0 && (
                  <progress max={s.estimate} value={Math.min(s.read, s.estimate)} aria-label={`${s.name}: ${formatCount(s.read)} of about ${formatCount(s.estimate)} read`} />
                )}
              </td>
              <td data-label="Committed" class="number" data-count="committed">
                {formatCount(s.committed)}
              </td>
              <td data-label="Rate" class="number">
                {rate === undefined ? <span class="muted">—</span> : formatRate(rate)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Logs(props: { progress: RunProgress }) {
  const { logs, droppedLogs } = props.progress;
  if (logs.length === 0) return <p class="muted">No log lines.</p>;
  return (
    <>
      {droppedLogs > 0 && <p class="muted">{formatCount(droppedLogs)} older lines are not shown.</p>}
      <ol class="logs" tabIndex={0} aria-label="Log lines">
        {logs.map((line) => (
          <li key={line.seq} class={`log-${line.level.toLowerCase()}`}>
            <time dateTime={line.at}>{formatTimeOfDay(line.at)}</time> <span class="level">{line.level}</span> <span class="source">{line.source}</span>{' '}
            <span class="message">{line.message}</span>
          </li>
        ))}
      </ol>
    </>
  );
}

/** `/ui/runs/<id>`: the run `id`, following its events until it ends. */
export function RunPage(props: { id: string }) {
  const { id } = props;
  const events = useRunEvents(id);
  const { progress } = events;
  const finished = progress.finished;
  // The run's record, again once its events say it ended (finished_at, the stored error).
  const run = useLoad(async (client) => bodyOf(await client.GET('/runs/{id}', { params: { path: { id } } })), [id, finished?.status]);
  const action = useAction();
  const cancel = () =>
    action.run(async (client) => {
      await client.POST('/runs/{id}/cancel', { params: { path: { id } } });
      run.reload();
      return 'Cancel requested: the run stops after its last committed checkpoint.';
    });

  if (!run.data) {
    return (
      <>
        <PageTitle>Run {id.slice(0, 8)}</PageTitle>
        {run.error ? <ErrorNote message={run.error} /> : <Loading />}
      </>
    );
  }
  const r = run.data;
  const status = finished?.status ?? (progress.startedAt && r.status === 'queued' ? 'running' : r.status);
  const active = status === 'queued' || status === 'running';
  const error = finished?.error ?? r.error;
  const took = finished?.durationMs ?? msBetween(r.started_at, r.finished_at);
  return (
    <>
      <PageTitle>Run {id.slice(0, 8)}</PageTitle>
      <p class="lead">
        <Status status={status} /> of pipeline <Link to={{ page: 'pipeline', id: r.pipeline_id }}>{r.pipeline_id}</Link>
        {r.request.full_refresh && ' · full refresh'}
        {r.trigger !== 'manual' && ` · ${r.trigger}`}
        {r.attempt > 1 && ` · attempt ${r.attempt}`}
      </p>
      <dl class="facts">
        <dt>Queued</dt>
        <dd>
          <Time iso={r.created_at} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={r.started_at ?? progress.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>{active ? <span class="muted">running…</span> : <Time iso={r.finished_at} />}</dd>
        {took !== undefined && !active && (
          <>
            <dt>Took</dt>
            <dd>{formatDuration(took)}</dd>
          </>
        )}
        {r.cancel_requested_at && (
          <>
            <dt>Cancel asked</dt>
            <dd>
              <Time iso={r.cancel_requested_at} />
            </dd>
          </>
        )}
      </dl>
      {active && (
        <div class="actions">
          <button type="button" class="danger" onClick={cancel} disabled={action.pending || !!r.cancel_requested_at}>
            Cancel run
          </button>
        </div>
      )}
      <Notice message={action.notice} />
      <ErrorNote message={action.error} />

      {status === 'failed' && (
        <section class="failure" aria-labelledby="failure-title">
          <h2 id="failure-title">
            Failed{finished?.failureType && <>: <code class="failure-type">{finished.failureType}</code></>}
            {finished?.origin && <span class="muted"> in the {finished.origin}</span>}
          </h2>
          <p class="failure-message">{error ?? 'The run failed without an error message; the log below may say more.'}</p>
          {finished?.failureType && FAILURE_HINTS[finished.failureType] && <p>{FAILURE_HINTS[finished.failureType]}</p>}
        </section>
      )}
      {status === 'cancelled' && <p class="notice">Cancelled: every checkpoint committed before the cancel is kept; the next run resumes from them.</p>}

      <h2>Streams</h2>
      <Streams progress={progress} />
      {events.error && (
        <div class="error" role="alert">
          <p>Stopped following the run: {events.error}</p>
          <button type="button" onClick={events.retry}>
            Follow again
          </button>
        </div>
      )}

      <h2>Checkpoints</h2>
      <RunTimeline progress={progress} />

      <h2>Log</h2>
      <Logs progress={progress} />
    </>
  );
}
