/** `GET /metrics`: the process's metrics in Prometheus' text format (metrics.ts), for operators. */
import { createRoute, z } from '@hono/zod-openapi';
import type { ServerContext } from '../context.ts';
import type { Metrics } from '../metrics.ts';
import { BEARER, problems, routes } from './common.ts';

/** The route; `metrics` is read only when a request comes (the OpenAPI document needs none). */
export function metricsRoutes(_context: ServerContext, metrics: Metrics | undefined) {
  const app = routes();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['meta'],
      summary: 'Metrics',
      description:
        "This process's metrics in Prometheus' text format (prom-client): runs by kind and status, records read and committed, seconds since each pipeline's last checkpoint, queue depth and the oldest waiting job's age, Stripe requests and 429s per account, Node's process metrics. Scrape with `authorization: Bearer <token>` (Prometheus: `authorization.credentials`). Runs, checkpoints and the queue are read from Postgres and are the same on every process.",
      security: BEARER,
      responses: {
        200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string().openapi('PrometheusText', { description: 'Prometheus text exposition format 0.0.4.' }) } } },
        ...problems(401, 500),
      },
    }),
    async (c) => {
      // No metrics: an empty scrape, which Prometheus takes as a target with no series.
      const text = metrics ? await metrics.render() : '';
      return c.text(text, 200, { 'content-type': metrics?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8' });
    },
  );

  return app;
}
