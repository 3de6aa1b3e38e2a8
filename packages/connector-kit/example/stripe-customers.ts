#!/usr/bin/env node
/**
 * A small source written on the connector kit: Stripe customers and products, with cursor
 * pagination (`starting_after`), bearer auth and incremental reads on `created`. Everything else
 * (spec, check, discover, state, STREAM_STATUS, retries) comes from the kit and its harness.
 *
 *   node packages/connector-kit/example/stripe-customers.ts read --config c.json --catalog k.json
 */
import * as z from 'zod';
import { bearerAuth, createHttpClient, cursorPagination, defineSource, main, type HttpClient, type StreamDefinition } from '../src/index.ts';

const Config = z.object({
  api_key: z.string().min(1).meta({ airbyte_secret: true }).describe('Stripe secret key.'),
  base_url: z.string().default('https://api.stripe.com').describe('Stripe API base URL (an emulator in tests).'),
});
type Config = z.infer<typeof Config>;

interface StripeList {
  data: Array<Record<string, unknown> & { id: string }>;
  has_more: boolean;
}

/** One Stripe list endpoint as a stream: newest first, `created[gte]` for incremental reads. */
function stripeList(name: string): StreamDefinition<Config, HttpClient> {
  return {
    name,
    jsonSchema: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'integer' } }, required: ['id', 'created'] },
    primaryKey: ['id'],
    cursorField: 'created',
    pagination: cursorPagination(),
    pageSize: 20,
    async fetchPage({ position, limit, since }, http) {
      const page = await http.getJson<StripeList>(`/v1/${name}`, {
        limit,
        starting_after: position.cursor,
        'created[gte]': since,
      });
      return { records: page.data, nextCursor: page.has_more ? page.data.at(-1)?.id : undefined };
    },
  };
}

export const source = defineSource({
  name: 'source-kit-stripe-example',
  configSchema: Config,
  context: (config: Config) => createHttpClient({ baseUrl: config.base_url, auth: bearerAuth(config.api_key), retry: { maxAttempts: 3 } }),
  streams: [stripeList('customers'), stripeList('products')],
});

if (import.meta.main) await main(source);
