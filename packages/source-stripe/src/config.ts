/** The config of the Stripe source: what `spec` publishes and `check`/`discover`/`read` receive. */
import * as z from 'zod';

export const DEFAULT_BASE_URL = 'https://api.stripe.com';

/** Default longest time a request may take, ms: Stripe answers list calls in well under a second. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Stripe's documented read limits per account (https://docs.stripe.com/rate-limits), requests per second. */
export const STRIPE_READ_LIMITS = { test: 25, live: 100 } as const;

/** Stripe's webhook signature tolerance (https://docs.stripe.com/webhooks#verify-manually), seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export const StripeSourceConfig = z.object({
  api_key: z
    .string()
    .min(1)
    .describe('Stripe secret or restricted API key (sk_… or rk_…), read-only access is enough. Env: STRIPE_API_KEY.')
    .meta({ airbyte_secret: true }),
  base_url: z
    .url({ protocol: /^https?$/ })
    .default(DEFAULT_BASE_URL)
    .describe('Base URL of the Stripe API, such as a local emulator (http://127.0.0.1:12111). Env: STRIPE_BASE_URL.'),
  api_version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.\w+)?$/)
    .optional()
    .describe('Stripe API version sent as the Stripe-Version header, e.g. 2024-04-10. Default: the version of the bundled OpenAPI spec, which the stream schemas describe.'),
  page_size: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(100)
    .describe('Objects per list request (Stripe allows 1 to 100). A STATE checkpoint follows every page.'),
  requests_per_second: z
    .number()
    .positive()
    .optional()
    .describe("Most requests per second, shared by all streams. Default: Stripe's read limit for the key, 25 in test mode (sk_test_…), 100 in live mode."),
  max_concurrency: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(16)
    .describe('Most requests in flight at once, across all streams and the created ranges of a stream read in parallel.'),
  request_timeout_ms: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_REQUEST_TIMEOUT_MS)
    .describe(
      'Longest a request may take, ms, from sending it to the last byte of the answer (default 60000). A request past it is abandoned and retried like a connection reset; sockets also use TCP keepalive, so a connection whose peer vanished cannot hang the read.',
    ),
  webhook_secret: z
    .string()
    .min(1)
    .optional()
    .describe("Signing secret of the webhook endpoint (whsec_…). When set, `read --webhooks` verifies every payload's Stripe-Signature.")
    .meta({ airbyte_secret: true }),
  webhook_tolerance_seconds: z
    .number()
    .int()
    .min(0)
    .default(DEFAULT_WEBHOOK_TOLERANCE_SECONDS)
    .describe('Largest age of a webhook signature timestamp, seconds (Stripe: 300).'),
});
export type StripeSourceConfig = z.infer<typeof StripeSourceConfig>;

/** The request rate for `config`: `requests_per_second`, else Stripe's limit for the key's mode. */
export function requestsPerSecond(config: Pick<StripeSourceConfig, 'api_key' | 'requests_per_second'>): number {
  if (config.requests_per_second !== undefined) return config.requests_per_second;
  return /^(sk|rk)_live_/.test(config.api_key) ? STRIPE_READ_LIMITS.live : STRIPE_READ_LIMITS.test;
}
