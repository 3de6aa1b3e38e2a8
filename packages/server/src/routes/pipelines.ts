/** Pipelines: stored source and destination with their configs (sealed at rest, masked in responses), and their streams. */
import { createRoute } from '@hono/zod-openapi';
import { ConflictError, type OperationsPatch, type StoredPipeline } from '@sync/state-postgres';
import type { ConnectorRole } from '@sync/engine';
import { keepMaskedSecrets } from '../config-mask.ts';
import { configErrors } from '../config-check.ts';
import { connectorCommand } from '../connectors.ts';
import type { ServerContext } from '../context.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { checkSchedule, scheduleNext } from '../schedules.ts';
import { Pipeline, PipelineCreate, PipelinePatch, list } from '../schemas.ts';
import { pipelineJson, streamFromJson, streamJson } from '../wire.ts';
import { BEARER, PipelineParam, json, problems, routes } from './common.ts';

type Json = Record<string, unknown>;

/** The spec of a pipeline's connector, or undefined (mask everything) when it cannot be had. */
async function specOf(context: ServerContext, role: ConnectorRole, name: string): Promise<unknown> {
  try {
    return (await context.specs.trySpec(connectorCommand(context.directory, role, name))).spec;
  } catch {
    return undefined;
  }
}

/** A pipeline as a response shows it. */
export async function showPipeline(context: ServerContext, pipeline: StoredPipeline) {
  const [source, destination, runs] = await Promise.all([
    specOf(context, 'source', pipeline.source.name),
    specOf(context, 'destination', pipeline.destination.name),
    context.service.listServiceRuns({ pipelineId: pipeline.id, limit: 1 }),
  ]);
  return pipelineJson(pipeline, { source, destination }, runs[0]);
}

/**
 * Checks a connector and its config before they are stored.
 *
 * @throws HttpProblem 400: unknown connector, a spec that cannot be read, or a config that does not
 *   match the spec (each field named).
 */
async function checkedConfig(context: ServerContext, role: ConnectorRole, name: string, config: Json): Promise<{ spec: unknown }> {
  const command = connectorCommand(context.directory, role, name);
  const { spec, error } = await context.specs.trySpec(command);
  if (spec === undefined) throw new HttpProblem(400, 'connector-failed', `cannot read the spec of ${command.name}: ${error ?? 'no spec'}`);
  const effective = context.directory.runConfig ? await context.directory.runConfig(role, name, config) : config;
  const errors = configErrors(spec, effective, `/${role}/config`);
  if (errors.length > 0) {
    throw new HttpProblem(400, 'invalid-config', `the ${role} config does not match the spec of ${command.name}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return { spec };
}

/** The schedule and limits a request sets, checked; undefined fields are left as they are. */
function operationsPatch(body: {
  schedule?: { cron: string; timezone: string; jitter_seconds: number } | null | undefined;
  max_attempts?: number | undefined;
  max_duration_seconds?: number | null | undefined;
}): OperationsPatch {
  const patch: OperationsPatch = {};
  if (body.schedule !== undefined) {
    patch.schedule = body.schedule ? { cron: body.schedule.cron, timezone: body.schedule.timezone, jitterSeconds: body.schedule.jitter_seconds } : null;
    if (patch.schedule) checkSchedule(patch.schedule);
  }
  if (body.max_attempts !== undefined) patch.maxAttempts = body.max_attempts;
  if (body.max_duration_seconds !== undefined) patch.maxDurationSeconds = body.max_duration_seconds;
  return patch;
}

/** Stores the schedule and limits, and queues the next scheduled tick when the schedule changed. */
async function applyOperations(context: ServerContext, id: string, patch: OperationsPatch): Promise<string[]> {
  const keys = Object.keys(patch);
  if (keys.length === 0) return [];
  await context.service.setPipelineOperations(id, patch);
  if (patch.schedule !== undefined) await scheduleNext(context, id);
  return keys;
}

/** `<source>-<destination>`, with `-2`, `-3`, … when taken. */
async function freeId(context: ServerContext, source: string, destination: string): Promise<string> {
  const base = `${source}-${destination}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 56);
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    if (!(await context.service.getPipeline(id))) return id;
  }
}

/** The pipeline, or 404. */
export async function pipelineOr404(context: ServerContext, id: string): Promise<StoredPipeline> {
  const pipeline = await context.service.getPipeline(id);
  if (!pipeline) throw notFound('pipeline', id);
  return pipeline;
}

export function pipelineRoutes(context: ServerContext) {
  const app = routes();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/pipelines',
      tags: ['pipelines'],
      summary: 'Create a pipeline',
      description: "Checks each config against its connector's spec, then stores it (sealed at rest). Secret fields come back masked.",
      security: BEARER,
      request: { body: { content: { 'application/json': { schema: PipelineCreate } }, required: true } },
      responses: { 201: json(Pipeline, 'The pipeline.'), ...problems(400, 401, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const operations = operationsPatch(body);
      await checkedConfig(context, 'source', body.source.name, body.source.config);
      await checkedConfig(context, 'destination', body.destination.name, body.destination.config);
      const id = body.id ?? (await freeId(context, body.source.name, body.destination.name));
      let pipeline: StoredPipeline;
      try {
        pipeline = await context.service.createPipeline({
          id,
          source: { name: body.source.name, config: body.source.config },
          destination: { name: body.destination.name, config: body.destination.config },
          ...(body.streams ? { streams: body.streams.map(streamFromJson) } : {}),
        });
      } catch (error) {
        if (error instanceof ConflictError) throw new HttpProblem(409, 'pipeline-exists', `pipeline ${JSON.stringify(id)} exists: choose another id, or PATCH it`);
        throw error;
      }
      if (Object.keys(operations).length > 0) {
        await applyOperations(context, id, operations);
        pipeline = (await context.service.getPipeline(id)) ?? pipeline;
      }
      const shown = await showPipeline(context, pipeline);
      await context.service.recordAudit({
        actor: c.get('actor'),
        action: 'pipeline.created',
        targetType: 'pipeline',
        targetId: id,
        details: { source: shown.source, destination: shown.destination, streams: shown.streams, schedule: shown.schedule, max_attempts: shown.max_attempts, max_duration_seconds: shown.max_duration_seconds },
      });
      c.header('Location', `/pipelines/${encodeURIComponent(id)}`);
      return c.json(shown as never, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/pipelines',
      tags: ['pipelines'],
      summary: 'List pipelines',
      description: 'Every pipeline, by id, with its last run. Pipelines that `sync run` made have `config_stored: false`.',
      security: BEARER,
      responses: { 200: json(list(Pipeline, 'PipelineList'), 'The pipelines.'), ...problems(401) },
    }),
    async (c) => {
      const pipelines = await context.service.listPipelines();
      return c.json({ data: await Promise.all(pipelines.map((p) => showPipeline(context, p))) } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/pipelines/{id}',
      tags: ['pipelines'],
      summary: 'Show a pipeline',
      security: BEARER,
      request: { params: PipelineParam },
      responses: { 200: json(Pipeline, 'The pipeline.'), ...problems(401, 404) },
    }),
    async (c) => c.json((await showPipeline(context, await pipelineOr404(context, c.req.valid('param').id))) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/pipelines/{id}',
      tags: ['pipelines'],
      summary: 'Change a pipeline',
      description: 'A config given replaces the stored one (a field sent as the mask keeps its secret); `streams: null` selects every stream again.',
      security: BEARER,
      request: { params: PipelineParam, body: { content: { 'application/json': { schema: PipelinePatch } }, required: true } },
      responses: { 200: json(Pipeline, 'The changed pipeline.'), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const stored = await pipelineOr404(context, id);
      const operations = operationsPatch(body);
      const patch: Parameters<typeof context.service.updatePipeline>[1] = {};
      const changed: string[] = [];
      for (const role of ['source', 'destination'] as const) {
        const given = body[role];
        if (!given) continue;
        const name = given.name ?? stored[role].name;
        // A new connector starts from an empty config: masks cannot stand for another connector's secrets.
        const base = name === stored[role].name ? stored[role].config : {};
        const config = given.config ? keepMaskedSecrets(given.config, base, `/${role}/config`) : base;
        await checkedConfig(context, role, name, config);
        patch[role] = { name, config };
        if (name !== stored[role].name) changed.push(`${role}.name`);
        if (given.config) changed.push(`${role}.config`);
      }
      if (body.streams !== undefined) {
        patch.streams = body.streams === null ? null : body.streams.map(streamFromJson);
        changed.push('streams');
      }
      const updated = await context.service.updatePipeline(id, patch);
      if (!updated) throw notFound('pipeline', id);
      changed.push(...(await applyOperations(context, id, operations)));
      const shown = await showPipeline(context, (await context.service.getPipeline(id)) ?? updated);
      await context.service.recordAudit({ actor: c.get('actor'), action: 'pipeline.updated', targetType: 'pipeline', targetId: id, details: { changed, streams: shown.streams } });
      return c.json(shown as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/pipelines/{id}',
      tags: ['pipelines'],
      summary: 'Delete a pipeline',
      description: 'Deletes the pipeline with its runs, events, states and stored configs (not the data in the destination). 409 while a run is queued or running.',
      security: BEARER,
      request: { params: PipelineParam },
      responses: { 204: { description: 'Deleted.' }, ...problems(401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const pipeline = await pipelineOr404(context, id);
      let deleted: boolean;
      try {
        deleted = await context.service.deletePipeline(id);
      } catch (error) {
        if (error instanceof ConflictError) throw new HttpProblem(409, 'run-in-progress', `${error.message}: cancel it first (POST /runs/{id}/cancel)`);
        throw error;
      }
      if (!deleted) throw notFound('pipeline', id);
      await context.queue.removeSchedule(id);
      await context.service.recordAudit({
        actor: c.get('actor'),
        action: 'pipeline.deleted',
        targetType: 'pipeline',
        targetId: id,
        details: { source: pipeline.source.name, destination: pipeline.destination.name, streams: pipeline.streams?.map(streamJson) ?? null },
      });
      return c.body(null, 204);
    },
  );

  return app;
}
