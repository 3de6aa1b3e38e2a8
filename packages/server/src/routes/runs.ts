/** Runs: start (queued on the job queue), show, list, cancel, and follow their events as NDJSON. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorMessage } from '@sync/engine';
import { ConflictError } from '@sync/state-postgres';
import { stream } from 'hono/streaming';
import type { ServerContext } from '../context.ts';
import { HttpProblem, notFound, requestIdOf } from '../problem.ts';
import { Run, RunEvent, RunRequest, list } from '../schemas.ts';
import { eventLine, runJson } from '../wire.ts';
import { BEARER, PipelineParam, RunParam, json, problems, routes } from './common.ts';
import { pipelineOr404 } from './pipelines.ts';

async function runOr404(context: ServerContext, id: string) {
  const run = await context.service.getServiceRun(id);
  if (!run) throw notFound('run', id);
  return run;
}

export function runRoutes(context: ServerContext) {
  const app = routes();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/pipelines/{id}/runs',
      tags: ['runs'],
      summary: 'Start a run',
      description: 'Queues a run of the pipeline; a worker starts it. 409 while another run of the pipeline is queued or running.',
      security: BEARER,
      request: { params: PipelineParam, body: { content: { 'application/json': { schema: RunRequest } }, required: false } },
      responses: { 202: json(Run, 'The run, `queued`.'), ...problems(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = (c.req.header('content-length') === '0' || !c.req.header('content-type') ? {} : c.req.valid('json')) ?? {};
      const pipeline = await pipelineOr404(context, id);
      if (!pipeline.configStored) {
        throw new HttpProblem(409, 'no-stored-config', `pipeline ${id} was made by \`sync run\` and keeps no config: run it with \`sync run\`, or create a pipeline with its configs (POST /pipelines)`);
      }
      if (body.streams && pipeline.streams) {
        const known = new Set(pipeline.streams.map((s) => s.name));
        const unknown = body.streams.filter((s) => !known.has(s));
        if (unknown.length > 0) {
          throw new HttpProblem(400, 'invalid-request', `the pipeline does not sync ${unknown.join(', ')} (its streams: ${[...known].join(', ')})`, {
            errors: unknown.map((name) => ({ path: `/streams/${body.streams!.indexOf(name)}`, in: 'body' as const, message: 'not a stream of the pipeline' })),
          });
        }
      }
      let run;
      try {
        run = await context.service.enqueueRun(id, 'sync', { ...(body.full_refresh ? { fullRefresh: true } : {}), ...(body.streams ? { streams: body.streams } : {}) });
      } catch (error) {
        if (error instanceof ConflictError) throw new HttpProblem(409, 'run-in-progress', `${error.message}: wait for it to end, or cancel it (POST /runs/{id}/cancel)`);
        throw error;
      }
      try {
        await context.queue.addRun(run.id);
      } catch (error) {
        await context.service.requestCancel(run.id).catch(() => {});
        throw new Error(`cannot queue run ${run.id}: ${errorMessage(error)}`, { cause: error });
      }
      await context.service.recordAudit({ actor: c.get('actor'), action: 'run.started', targetType: 'run', targetId: run.id, details: { pipeline_id: id, request: runJson(run).request } });
      c.header('Location', `/runs/${run.id}`);
      return c.json(runJson(run), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/pipelines/{id}/runs',
      tags: ['runs'],
      summary: "List a pipeline's runs",
      description: 'Newest first.',
      security: BEARER,
      request: { params: PipelineParam, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
      responses: { 200: json(list(Run, 'RunList'), 'The runs.'), ...problems(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await pipelineOr404(context, id);
      const runs = await context.service.listServiceRuns({ pipelineId: id, limit: c.req.valid('query').limit });
      return c.json({ data: runs.map(runJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{id}',
      tags: ['runs'],
      summary: 'Show a run',
      description: 'Status, per-stream counts (updated at every checkpoint) and the error, secrets masked.',
      security: BEARER,
      request: { params: RunParam },
      responses: { 200: json(Run, 'The run.'), ...problems(401, 404) },
    }),
    async (c) => c.json(runJson(await runOr404(context, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/runs/{id}/cancel',
      tags: ['runs'],
      summary: 'Cancel a run',
      description:
        'A queued run is cancelled at once. A running one is stopped: the worker stops the connectors, the destination commits nothing after its last acknowledged state, and every committed state is kept; the run ends `cancelled`. 409 for a run that already ended.',
      security: BEARER,
      request: { params: RunParam },
      responses: { 202: json(Run, 'The run, `cancelled` or with `cancel_requested_at`.'), ...problems(401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const before = await runOr404(context, id);
      if (before.status !== 'queued' && before.status !== 'running') throw new HttpProblem(409, 'run-ended', `run ${id} already ended (${before.status})`);
      const run = (await context.service.requestCancel(id)) ?? before;
      await context.service.recordAudit({ actor: c.get('actor'), action: 'run.cancelled', targetType: 'run', targetId: id, details: { pipeline_id: run.pipelineId, status_before: before.status } });
      return c.json(runJson(run), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{id}/events',
      tags: ['runs'],
      summary: "Follow a run's events",
      description:
        'One JSON event per line (`application/x-ndjson`): progress, logs, saved checkpoints, and last `run_finished`; the response follows the run until it ends. `?after=seq` resumes after an event already seen. A client that disconnects does not stop the run. A failure after the stream started is an in-band `stream_error` event, and the stream ends.',
      security: BEARER,
      request: { params: RunParam, query: z.object({ after: z.coerce.number().int().min(0).default(0).describe('Send only events with a larger `seq`.') }) },
      responses: { 200: { description: 'The events.', content: { 'application/x-ndjson': { schema: RunEvent } } }, ...problems(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { after } = c.req.valid('query');
      await runOr404(context, id);
      c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
      c.header('Cache-Control', 'no-store');
      c.header('X-Accel-Buffering', 'no');
      const requestId = requestIdOf(c);
      return stream(c, async (out) => {
        const closed = new AbortController();
        out.onAbort(() => closed.abort());
        try {
          for await (const record of context.feed.follow(id, after, closed.signal)) {
            await out.write(`${JSON.stringify(eventLine(record))}\n`);
          }
        } catch (error) {
          context.log('error', `request ${requestId}: event stream of run ${id} failed: ${errorMessage(error)}`);
          if (!closed.signal.aborted) await out.write(`${JSON.stringify({ type: 'stream_error', message: 'the server could not read the run\'s events; reconnect with ?after=<last seq>', request_id: requestId })}\n`);
        }
      }) as never;
    },
  );

  return app;
}
