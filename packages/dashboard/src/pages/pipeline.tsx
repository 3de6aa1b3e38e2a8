/**
 * One pipeline: its streams with their saved state and cursor, its runs, and the buttons to start a
 * run, cancel the one in progress and reset a stream's state.
 */
import { bodyOf, type Pipeline, type Run } from '@sync/api-client';
import { Fragment } from 'preact';
import { ErrorNote, Loading, Notice, PageTitle, Status, Time } from '../components.tsx';
import { formatCount, formatDuration, msBetween } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { useAction, useLoad } from '../use-api.ts';
import { scheduleText } from './pipelines.tsx';

type Json = Record<string, unknown>;

const ACTIVE = new Set(['queued', 'running']);

/** A stream of the pipeline with its saved state (`stream_state` of its last AirbyteStateMessage), if any. */
interface StreamRow {
  name: string;
  syncMode: string | undefined;
  fields: string[] | undefined;
  state: Json | undefined;
}

function streamRows(pipeline: Pipeline, states: Json[]): StreamRow[] {
  const stateOf = new Map<string, Json>();
  for (const state of states) {
    const stream = state.stream as { stream_descriptor?: { name?: unknown }; stream_state?: unknown } | undefined;
    if (state.type === 'STREAM' && typeof stream?.stream_descriptor?.name === 'string') stateOf.set(stream.stream_descriptor.name, (stream.stream_state ?? {}) as Json);
  }
  const rows: StreamRow[] = (pipeline.streams ?? []).map((s) => ({ name: s.name, syncMode: s.sync_mode, fields: s.fields, state: stateOf.get(s.name) }));
  for (const [name, state] of stateOf) if (!rows.some((r) => r.name === name)) rows.push({ name, syncMode: undefined, fields: undefined, state });
  return rows;
}

/** A cursor as the user reads it: a number that reads as Unix seconds (Stripe's `created`) also as a time. */
function Cursor(props: { state: Json | undefined }) {
  if (!props.state) return <span class="muted">none: the next run reads from the beginning</span>;
  const { cursor } = props.state;
  if (typeof cursor === 'number' && cursor > 1e9 && cursor < 1e11) {
    return (
      <>
        <code>{cursor}</code> <span class="muted">(</span>
        <Time iso={new Date(cursor * 1000).toISOString()} />
        <span class="muted">)</span>
      </>
    );
  }
  const text = JSON.stringify(cursor !== undefined ? cursor : props.state);
  return <code>{text.length > 60 ? `${text.slice(0, 60)}…` : text}</code>;
}

function committedOf(run: Run): number {
  return Object.values(run.streams).reduce((sum, s) => sum + s.records_committed, 0);
}

function ConfigList(props: { config: Json }) {
  const entries = Object.entries(props.config);
  if (entries.length === 0) return <p class="muted">Defaults only.</p>;
  return (
    <dl class="config">
      {entries.map(([key, value]) => (
        <Fragment key={key}>
          <dt>{key}</dt>
          <dd>
            <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** `/ui/pipelines/<id>`: the pipeline `id`; its runs reload every 2 s while one is queued or running. */
export function PipelinePage(props: { id: string }) {
  const { id } = props;
  const path = { params: { path: { id } } };
  const pipeline = useLoad(async (client) => bodyOf(await client.GET('/pipelines/{id}', path)), [id]);
  const runs = useLoad(async (client) => bodyOf(await client.GET('/pipelines/{id}/runs', { params: { path: { id }, query: { limit: 20 } } })).data, [id], {
    refreshMs: 2000,
    refreshWhile: (list) => list.some((r) => ACTIVE.has(r.status)),
  });
  const active = runs.data?.find((r) => ACTIVE.has(r.status));
  // Again when a run starts or ends: its checkpoints moved the cursors.
  const states = useLoad(async (client) => bodyOf(await client.GET('/pipelines/{id}/state', path)).states, [id, active?.id]);
  const action = useAction();

  const start = () =>
    action.run(async (client) => {
      const run = bodyOf(await client.POST('/pipelines/{id}/runs', { ...path, body: {} }));
      navigate({ page: 'run', id: run.id });
    });
  const cancel = (run: Run) =>
    action.run(async (client) => {
      await client.POST('/runs/{id}/cancel', { params: { path: { id: run.id } } });
      runs.reload();
      return `Cancel requested: run ${run.id} stops after its last committed checkpoint.`;
    });
  const reset = (stream: string | undefined) => {
    const what = stream ? `the saved state of ${stream}` : 'the saved state of every stream';
    if (!confirm(`Forget ${what}? The next run reads ${stream ? 'it' : 'them'} from the beginning.`)) return;
    void action.run(async (client) => {
      const { streams_reset: count } = bodyOf(await client.DELETE('/pipelines/{id}/state', { params: { path: { id }, query: stream ? { stream } : {} } }));
      states.reload();
      return count === 0 ? `${stream ?? 'The pipeline'} had no saved state.` : `Forgot ${what}: the next run reads ${stream ? 'it' : 'them'} from the beginning.`;
    });
  };

  if (!pipeline.data) {
    return (
      <>
        <PageTitle>Pipeline {id}</PageTitle>
        {pipeline.error ? <ErrorNote message={pipeline.error} /> : <Loading />}
      </>
    );
  }
  const p = pipeline.data;
  const rows = states.data ? streamRows(p, states.data) : [];
  return (
    <>
      <PageTitle>Pipeline {p.id}</PageTitle>
      <p class="lead">
        {p.source.name} → {p.destination.name}
        {p.streams === null && <span class="muted"> · every stream the source discovers</span>}
      </p>
      {!p.config_stored && <p class="muted">Made by sync run: it keeps no config, so run it with sync run.</p>}
      <dl class="facts">
        <dt>Schedule</dt>
        <dd>{scheduleText(p.schedule) ?? <span class="muted">none: runs start from here or the API</span>}</dd>
        {p.next_run_at && (
          <>
            <dt>Next run</dt>
            <dd>
              <Time iso={p.next_run_at} />
            </dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>{p.max_attempts === 1 ? 'no retry' : `up to ${p.max_attempts} for a transient or system error`}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="primary" onClick={start} disabled={action.pending || !!active || !p.config_stored}>
          Start run
        </button>
        {active && (
          <button type="button" class="danger" onClick={() => cancel(active)} disabled={action.pending}>
            Cancel run
          </button>
        )}
      </div>
      <Notice message={action.notice} />
      <ErrorNote message={action.error} />

      <h2>Streams</h2>
      <ErrorNote message={states.error} />
      {!states.data ? (
        !states.error && <Loading />
      ) : rows.length === 0 ? (
        <p class="muted">No stream has a saved state yet: the first run reads every stream from the beginning.</p>
      ) : (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Sync mode</th>
              <th scope="col">Cursor</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name} data-stream={row.name}>
                <th scope="row" data-label="Stream">
                  {row.name}
                  {row.fields && <span class="muted"> ({row.fields.length} fields)</span>}
                </th>
                <td data-label="Sync mode">{row.syncMode?.replace('_', ' ') ?? <span class="muted">default</span>}</td>
                <td data-label="Cursor" class="cursor">
                  <Cursor state={row.state} />
                  {row.state && (
                    <details>
                      <summary>State</summary>
                      <pre>{JSON.stringify(row.state, null, 2)}</pre>
                    </details>
                  )}
                </td>
                <td data-label="">
                  <button type="button" class="small" onClick={() => reset(row.name)} disabled={action.pending || !row.state || !!active} aria-label={`Reset the state of ${row.name}`}>
                    Reset
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.some((r) => r.state) && (
        <p>
          <button type="button" class="small" onClick={() => reset(undefined)} disabled={action.pending || !!active}>
            Reset every stream
          </button>
        </p>
      )}

      <h2>Runs</h2>
      <ErrorNote message={runs.error} />
      {!runs.data ? (
        !runs.error && <Loading />
      ) : runs.data.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
              <th scope="col">Committed</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((run) => {
              const took = msBetween(run.started_at, run.finished_at);
              return (
                <tr key={run.id} data-run={run.id}>
                  <th scope="row" data-label="Run">
                    <Link to={{ page: 'run', id: run.id }}>{run.id.slice(0, 8)}</Link>
                    {run.trigger !== 'manual' && <span class="muted"> ({run.trigger}{run.attempt > 1 ? `, attempt ${run.attempt}` : ''})</span>}
                  </th>
                  <td data-label="Status">
                    <Status status={run.status} />
                  </td>
                  <td data-label="Started">
                    <Time iso={run.started_at ?? run.created_at} />
                  </td>
                  <td data-label="Took">{took === undefined ? <span class="muted">—</span> : formatDuration(took)}</td>
                  <td data-label="Committed" class="number">
                    {formatCount(committedOf(run))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <details class="section">
        <summary>Configuration</summary>
        <p class="muted">Secret fields read ********** here: the API never returns them.</p>
        <h3>Source: {p.source.name}</h3>
        <ConfigList config={p.source.config} />
        <h3>Destination: {p.destination.name}</h3>
        <ConfigList config={p.destination.config} />
      </details>
    </>
  );
}
