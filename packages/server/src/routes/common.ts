/** What the route modules share: the Hono env, problem responses for the OpenAPI document, path params. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { HttpProblem, fieldErrors } from '../problem.ts';
import { Problem } from '../schemas.ts';

/** Variables set by the middleware of app.ts. */
export interface ApiEnv {
  Variables: { requestId: string; actor: string };
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `errors` lists each field.',
  401: 'No bearer token, or not this server\'s.',
  404: 'No such resource.',
  409: 'The resource is busy or exists (a run in progress, a pipeline id taken).',
  500: 'The server failed; the `request_id` finds it in the log.',
};

/** OpenAPI responses for problem statuses. */
export function problems(...statuses: (400 | 401 | 404 | 409 | 500)[]) {
  const out: Record<number, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }> = {};
  for (const status of statuses) out[status] = { description: DESCRIPTIONS[status]!, content: { 'application/problem+json': { schema: Problem } } };
  return out;
}

/** JSON body content for a schema. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A route module's app: validation failures become 400 problem documents with field errors. */
export function routes(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const where = result.target === 'json' ? 'body' : result.target === 'param' ? 'path' : result.target === 'query' ? 'query' : 'header';
      const errors = fieldErrors(result.error.issues, where);
      throw new HttpProblem(400, 'invalid-request', `the request is invalid: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`, { errors });
    },
  });
}

export const PipelineParam = z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, description: 'Pipeline id.' }) });
export const RunParam = z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, description: 'Run id.' }) });

export const BEARER = [{ bearer: [] }];
