/**
 * The HTTP API's Hono app (docs/api.md): middleware (request id, access log, bearer auth, body
 * limit), the routes, problem+json errors, the OpenAPI 3.1 document at `/openapi.json` generated from
 * the routes' zod schemas, and the docs page at `/docs`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { errorMessage, maskUrlPasswords } from '@sync/engine';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { bearerAuth } from './auth.ts';
import type { ServerContext } from './context.ts';
import { addDashboard, isDashboardPath } from './dashboard.ts';
import { addDocsPage } from './docs-page.ts';
import { HttpProblem, problemResponse } from './problem.ts';
import type { ApiEnv } from './routes/common.ts';
import type { Metrics } from './metrics.ts';
import { metaRoutes } from './routes/meta.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { pipelineActionRoutes } from './routes/pipeline-actions.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { runRoutes } from './routes/runs.ts';
import { webhookRoutes } from './routes/webhooks.ts';

/** The API's version, in the OpenAPI document. */
export const API_VERSION = '0.1.0';

/** Paths served without a bearer token (the dashboard's page and assets: its API calls send the token). */
function isPublic(path: string): boolean {
  return path === '/health' || path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/') || path.startsWith('/webhooks/') || isDashboardPath(path);
}

/** The app: `context` for the routes, `token` for auth, `metrics` for `GET /metrics` (empty without). */
export function createApp(context: ServerContext, token: string, metrics?: Metrics): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.use(requestId({ limitLength: 64 }));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    context.log(c.res.status >= 500 ? 'error' : 'debug', `${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status} ${ms}ms`, { request_id: c.get('requestId') });
  });
  const auth = bearerAuth(token);
  app.use(async (c, next) => (isPublic(new URL(c.req.url).pathname) ? next() : auth(c, next)));
  app.use(
    bodyLimit({
      maxSize: 8 * 1024 * 1024,
      onError: () => {
        throw new HttpProblem(413, 'payload-too-large', 'the request body is over 8 MiB');
      },
    }),
  );

  app.route('/', metaRoutes(context));
  app.route('/', metricsRoutes(context, metrics));
  app.route('/', pipelineRoutes(context));
  app.route('/', pipelineActionRoutes(context));
  app.route('/', runRoutes(context));
  app.route('/', webhookRoutes(context));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'SYNC_API_TOKEN, or the token `sync serve` wrote to $SYNC_HOME/api-token.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'sync engine API',
      version: API_VERSION,
      description: 'Pipelines, runs on a job queue, their live events, state and Stripe webhooks. Errors are RFC 9457 problem details.',
    },
    tags: [
      { name: 'pipelines', description: 'Stored source → destination pipelines.' },
      { name: 'runs', description: 'Runs and their events.' },
      { name: 'state', description: 'Saved checkpoints.' },
      { name: 'webhooks', description: 'Stripe webhook deliveries.' },
      { name: 'meta', description: 'Health, connectors, audit log.' },
    ],
  });
  addDocsPage(app as never);
  addDashboard(app as never);

  app.notFound((c) => problemResponse(c, new HttpProblem(404, 'not-found', `no route ${c.req.method} ${new URL(c.req.url).pathname} (see /docs)`)));
  app.onError((error, c) => {
    if (error instanceof HttpProblem) return problemResponse(c, error);
    // Hono's own 4xx, such as its validator's for a body that is not JSON: the client's mistake, not a 500.
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(c, new HttpProblem(error.status, 'invalid-request', `the request is invalid: ${error.message}`, { errors: [{ path: '', in: 'body', message: error.message }] }));
    }
    const id = c.get('requestId');
    context.log('error', `request ${id}: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${maskUrlPasswords(errorMessage(error))}`, { request_id: id });
    return problemResponse(c, new HttpProblem(500, 'internal', `the server failed on this request; its log has the details under request id ${id}`));
  });
  return app;
}
