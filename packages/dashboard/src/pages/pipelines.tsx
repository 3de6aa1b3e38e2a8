/** The pipelines: source → destination, the last run, and the next scheduled one when there is one. */
import { bodyOf, type Pipeline } from '@sync/api-client';
import { ErrorNote, Loading, PageTitle, Status, Time } from '../components.tsx';
import { Link } from '../router.tsx';
import { useLoad } from '../use-api.ts';

/** A pipeline's schedule in a few words: its cron expression and time zone. */
export function scheduleText(schedule: Pipeline['schedule']): string | undefined {
  return schedule ? `${schedule.cron} (${schedule.timezone})` : undefined;
}

const ACTIVE = new Set(['queued', 'running']);

/** `/`: every pipeline; reloads every 3 s while a last run is queued or running. */
export function PipelinesPage() {
  const pipelines = useLoad(async (client) => bodyOf(await client.GET('/pipelines')).data, [], {
    refreshMs: 3000,
    refreshWhile: (list) => list.some((p) => p.last_run && ACTIVE.has(p.last_run.status)),
  });
  return (
    <>
      <PageTitle>Pipelines</PageTitle>
      <p>
        <Link to={{ page: 'new-pipeline' }} class="button">
          New pipeline
        </Link>
      </p>
      <ErrorNote message={pipelines.error} />
      {!pipelines.data ? (
        !pipelines.error && <Loading />
      ) : pipelines.data.length === 0 ? (
        <p>
          No pipelines yet. <Link to={{ page: 'new-pipeline' }}>Create one</Link> from a connector's spec.
        </p>
      ) : (
        <table class="cards">
          <caption class="visually-hidden">Pipelines</caption>
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Source → destination</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
            </tr>
          </thead>
          <tbody>
            {pipelines.data.map((pipeline) => {
              const schedule = scheduleText(pipeline.schedule);
              const run = pipeline.last_run;
              return (
                <tr key={pipeline.id} data-pipeline={pipeline.id}>
                  <th scope="row" data-label="Pipeline">
                    <Link to={{ page: 'pipeline', id: pipeline.id }}>{pipeline.id}</Link>
                    {!pipeline.config_stored && <span class="muted"> (made by sync run)</span>}
                  </th>
                  <td data-label="Source → destination">
                    {pipeline.source.name} → {pipeline.destination.name}
                  </td>
                  <td data-label="Last run">
                    {run ? (
                      <Link to={{ page: 'run', id: run.id }}>
                        <Status status={run.status} /> <Time iso={run.started_at ?? run.created_at} />
                      </Link>
                    ) : (
                      <span class="muted">never run</span>
                    )}
                  </td>
                  <td data-label="Next run">
                    {pipeline.next_run_at ? <Time iso={pipeline.next_run_at} /> : <span class="muted">{schedule ? '—' : 'not scheduled'}</span>}
                    {schedule && <div class="muted">{schedule}</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
