/**
 * `POST /webhooks/stripe/{pipeline_id}`: Stripe's webhook deliveries for a pipeline with a Stripe
 * source. The `Stripe-Signature` header is verified with the source config's `webhook_secret`
 * (https://docs.stripe.com/webhooks#verify-manually, through the stripe SDK's `constructEvent`; 300 s
 * tolerance or the config's `webhook_tolerance_seconds`), the event is kept (once per event id) and
 * the answer is 200 at once; a worker applies the pipeline's pending events in the order received
 * through the source's webhook path (`read --webhooks`). No bearer token: the signature is the
 * authentication, as Stripe sends none.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { errorMessage } from '@sync/engine';
import Stripe from 'stripe';
import type { ServerContext } from '../context.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { json, problems, routes } from './common.ts';

const Received = z
  .object({ received: z.literal(true), duplicate: z.boolean().describe('The event id was received before; it is applied once.') })
  .openapi('WebhookReceived');

export function webhookRoutes(context: ServerContext) {
  const app = routes();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/stripe/{pipeline_id}',
      tags: ['webhooks'],
      summary: 'Receive a Stripe webhook delivery',
      description: 'Point a Stripe webhook endpoint here. Verified with the pipeline source\'s `webhook_secret`; 400 for a bad or missing signature.',
      request: {
        params: z.object({ pipeline_id: z.string().min(1).openapi({ param: { name: 'pipeline_id', in: 'path' } }) }),
        headers: z.object({ 'stripe-signature': z.string().optional().describe('Stripe\'s signature header: `t=<unix time>,v1=<hex HMAC-SHA256>`.') }),
      },
      responses: { 200: json(Received, 'Kept; applied by a worker.'), ...problems(400, 404) },
    }),
    async (c) => {
      const { pipeline_id: pipelineId } = c.req.valid('param');
      const pipeline = await context.service.getPipeline(pipelineId);
      if (!pipeline || pipeline.source.name !== 'stripe') throw notFound('pipeline with a Stripe source', pipelineId);
      const secret = pipeline.source.config.webhook_secret;
      if (typeof secret !== 'string' || secret === '') {
        throw new HttpProblem(400, 'no-webhook-secret', `pipeline ${pipelineId} has no webhook_secret in its source config: PATCH it with the endpoint's signing secret (whsec_…)`);
      }
      const signature = c.req.header('stripe-signature');
      if (!signature) throw new HttpProblem(400, 'bad-signature', 'no Stripe-Signature header');
      const payload = await c.req.text();
      const tolerance = typeof pipeline.source.config.webhook_tolerance_seconds === 'number' ? pipeline.source.config.webhook_tolerance_seconds : 300;
      let event: Record<string, unknown>;
      try {
        event = Stripe.webhooks.constructEvent(payload, signature, secret, tolerance) as unknown as Record<string, unknown>;
      } catch (error) {
        throw new HttpProblem(400, 'bad-signature', `the Stripe-Signature does not verify: ${errorMessage(error).split('\n')[0]}`);
      }
      if (typeof event.id !== 'string' || typeof event.type !== 'string') throw new HttpProblem(400, 'invalid-request', 'the payload is not a Stripe event (no id or type)');
      const { duplicate } = await context.service.saveWebhookDelivery(pipelineId, event);
      if (!duplicate) await context.queue.addWebhooks(pipelineId);
      return c.json({ received: true as const, duplicate }, 200);
    },
  );
  return app;
}
