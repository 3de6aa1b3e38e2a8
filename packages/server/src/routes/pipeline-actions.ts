/** What a pipeline, or a config not yet stored, can be asked to do: check, discover; and a pipeline's state, shown or reset. */
import { createRoute, z } from '@hono/zod-openapi';
import { errorMessage } from '@sync/engine';
import { checkConnector, discoverSource, prepare } from '../connector-calls.ts';
import type { ServerContext } from '../context.ts';
import { HttpProblem } from '../problem.ts';
import { CheckResult, StreamStates } from '../schemas.ts';
import { BEARER, PipelineParam, json, problems, routes } from './common.ts';
import { pipelineOr404 } from './pipelines.ts';

const Catalog = z
  .object({ streams: z.array(z.record(z.string(), z.unknown())).describe('Airbyte AirbyteStream objects: name, json_schema, supported_sync_modes, source_defined_primary_key, …') })
  .openapi('Catalog', { description: "The source's catalog (Airbyte AirbyteCatalog)." });

const ConnectorParams = z.object({
  role: z.enum(['source', 'destination']).openapi({ param: { name: 'role', in: 'path' } }),
  name: z.string().min(1).openapi({ param: { name: 'name', in: 'path' }, description: 'A built-in connector or a `<role>-<name>` executable on the PATH.' }),
});
const ConfigBody = z.object({ config: z.record(z.string(), z.unknown()).describe('The config to try; nothing is stored.') }).openapi('ConfigToTry');
const ConnectionStatus = z.object({ status: z.enum(['SUCCEEDED', 'FAILED']), message: z.string().optional() }).openapi('ConnectionStatus');

export function pipelineActionRoutes(context: ServerContext) {
  const app = routes();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connectors/{role}/{name}/check',
      tags: ['meta'],
      summary: 'Check a config before storing it',
      description: "Runs the connector's `check` with the config given (the Postgres destination's `url` defaults to the server's database); nothing is stored. 200 even when the check fails.",
      security: BEARER,
      request: { params: ConnectorParams, body: { content: { 'application/json': { schema: ConfigBody } }, required: true } },
      responses: { 200: json(ConnectionStatus, 'The connector\'s status, secrets masked.'), ...problems(400, 401) },
    }),
    async (c) => {
      const { role, name } = c.req.valid('param');
      const { config } = c.req.valid('json');
      return c.json(await checkConnector(context, await prepare(context, role, name, config)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connectors/source/{name}/discover',
      tags: ['meta'],
      summary: 'Discover the streams of a config before storing it',
      description: "Runs the source's `discover` with the config given; nothing is stored. 409 when the source fails (its masked message).",
      security: BEARER,
      request: { params: ConnectorParams.pick({ name: true }), body: { content: { 'application/json': { schema: ConfigBody } }, required: true } },
      responses: { 200: json(Catalog, 'The catalog.'), ...problems(400, 401, 409) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const { config } = c.req.valid('json');
      try {
        const catalog = await discoverSource(context, await prepare(context, 'source', name, config));
        return c.json(catalog as { streams: Record<string, unknown>[] }, 200);
      } catch (error) {
        if (error instanceof HttpProblem) throw error;
        throw new HttpProblem(409, 'discover-failed', `${errorMessage(error)} (check the config: POST /connectors/source/${name}/check)`);
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/pipelines/{id}/check',
      tags: ['pipelines'],
      summary: "Check the pipeline's connectors",
      description: 'Runs `check` of the source and of the destination with the stored configs, at the same time.',
      security: BEARER,
      request: { params: PipelineParam },
      responses: { 200: json(CheckResult, 'Each connector\'s status; 200 even when one failed.'), ...problems(401, 404) },
    }),
    async (c) => {
      const pipeline = await pipelineOr404(context, c.req.valid('param').id);
      const [source, destination] = await Promise.all(
        (['source', 'destination'] as const).map(async (role) => checkConnector(context, await prepare(context, role, pipeline[role].name, pipeline[role].config))),
      );
      return c.json({ source: source!, destination: destination! }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/pipelines/{id}/discover',
      tags: ['pipelines'],
      summary: "Discover the source's streams",
      security: BEARER,
      request: { params: PipelineParam },
      responses: { 200: json(Catalog, 'The catalog.'), ...problems(401, 404, 409) },
    }),
    async (c) => {
      const pipeline = await pipelineOr404(context, c.req.valid('param').id);
      try {
        const catalog = await discoverSource(context, await prepare(context, 'source', pipeline.source.name, pipeline.source.config));
        return c.json(catalog as { streams: Record<string, unknown>[] }, 200);
      } catch (error) {
        if (error instanceof HttpProblem) throw error;
        throw new HttpProblem(409, 'discover-failed', `${errorMessage(error)} (check the source config: POST /pipelines/${pipeline.id}/check)`);
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/pipelines/{id}/state',
      tags: ['state'],
      summary: "The pipeline's saved state",
      description: 'The last acknowledged STATE of each stream, which the next run resumes from.',
      security: BEARER,
      request: { params: PipelineParam },
      responses: { 200: json(StreamStates, 'The states.'), ...problems(401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await pipelineOr404(context, id);
      const states = await context.store.loadState(id);
      return c.json({ pipeline_id: id, states: states as unknown as Record<string, unknown>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/pipelines/{id}/state',
      tags: ['state'],
      summary: "Reset the pipeline's state",
      description: 'Forgets the saved state of every stream, or of `?stream=`; the next run reads them from the beginning. 409 while a run is queued or running.',
      security: BEARER,
      request: { params: PipelineParam, query: z.object({ stream: z.string().min(1).optional().describe('Only this stream.') }) },
      responses: { 200: json(z.object({ streams_reset: z.number().int() }).openapi('StateReset'), 'How many stream states were forgotten.'), ...problems(401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { stream } = c.req.valid('query');
      await pipelineOr404(context, id);
      const active = (await context.service.listServiceRuns({ pipelineId: id, limit: 20 })).find((r) => r.status === 'queued' || r.status === 'running');
      if (active) throw new HttpProblem(409, 'run-in-progress', `run ${active.id} of pipeline ${id} is ${active.status}: reset the state after it ends, or cancel it first`);
      const count = await context.store.resetState(id, stream ? [stream] : undefined);
      await context.service.recordAudit({ actor: c.get('actor'), action: 'state.reset', targetType: 'pipeline', targetId: id, details: { stream: stream ?? null, streams_reset: count } });
      return c.json({ streams_reset: count }, 200);
    },
  );

  return app;
}
